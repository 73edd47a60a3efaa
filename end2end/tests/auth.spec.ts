import { test, expect } from '@playwright/test';
import { hydrated, signIn, signUp } from './console';
import { linkInMail, mailsTo, uniqueEmail } from './mail';

test('sign up, verify from the mail, sign in, see the dashboard, sign out', async ({ page }) => {
  const email = uniqueEmail('flow');
  await signUp(page, email);
  await expect(page.getByText(email)).toBeVisible();
  // No session was opened by signing up.
  await page.goto('/dashboard');
  await expect(page).toHaveURL(/\/login$/);

  await page.goto(await linkInMail(email, 0, '/verify-email'));
  await expect(page.getByRole('heading', { name: 'Email verified' })).toBeVisible();
  // The token left the address bar.
  expect(page.url()).not.toContain('token=');
  await page.getByRole('link', { name: 'Go to sign in' }).click();
  await expect(page.getByText('Your email address is verified')).toBeVisible();

  await signIn(page, email);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId('email')).toHaveText(email);
  await expect(page.getByTestId('role')).toHaveText('user');
  // Signed in, /login leads to the dashboard.
  await page.goto('/login');
  await expect(page).toHaveURL(/\/dashboard$/);
  await hydrated(page);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/dashboard');
  await expect(page).toHaveURL(/\/login$/);
});

test('signing in before verifying offers a resend, which mails a new link', async ({ page }) => {
  const email = uniqueEmail('early');
  await signUp(page, email);
  await signIn(page, email, 'a wrong password entirely');
  await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
  await signIn(page, email);
  await expect(page.getByRole('alert')).toContainText('not verified');
  await page.getByRole('button', { name: 'Resend verification email' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'on its way' })).toBeVisible();
  await mailsTo(email, 2);
  // The newest link verifies; the first one then reports the address as verified.
  await page.goto(await linkInMail(email, 1, '/verify-email'));
  await expect(page.getByRole('heading', { name: 'Email verified' })).toBeVisible();
  await page.goto(await linkInMail(email, 0, '/verify-email'));
  await expect(page.getByRole('heading', { name: 'Already verified' })).toBeVisible();
});

test('the resend button turns a rate limit into a countdown', async ({ page }) => {
  // The browser tests run with MAIL_PER_ADDRESS_PER_HOUR=3.
  const email = uniqueEmail('countdown');
  await signUp(page, email);
  const resend = page.getByRole('button', { name: /Resend/ });
  for (let i = 0; i < 3; i++) {
    await resend.click();
    await expect(page.getByRole('status').filter({ hasText: 'on its way' })).toBeVisible();
    await expect(resend).toBeEnabled();
  }
  await resend.click();
  await expect(resend).toHaveText(/Resend available in \d+ s/);
  await expect(resend).toBeDisabled();
  const first = Number((await resend.textContent())!.match(/\d+/)![0]);
  await expect
    .poll(async () => Number((await resend.textContent())!.match(/\d+/)![0]), { timeout: 5_000 })
    .toBeLessThan(first);
});

test('a broken verification link says so and offers a resend', async ({ page }) => {
  await page.goto('/verify-email?token=' + 'ab'.repeat(32));
  await expect(page.getByRole('heading', { name: 'This link is not valid' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Resend verification email' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Back to sign in' })).toBeVisible();
});

test('forgot password, reset from the mail, then only the new password works', async ({ page }) => {
  const email = uniqueEmail('reset');
  await signUp(page, email);
  await page.goto(await linkInMail(email, 0, '/verify-email'));
  await expect(page.getByRole('heading', { name: 'Email verified' })).toBeVisible();

  await page.goto('/forgot-password');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();

  const link = await linkInMail(email, 1, '/reset-password');
  await page.goto(link);
  await hydrated(page);
  const newPassword = 'a brand new passphrase for e2e';
  await page.getByLabel('New password').fill('too short');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.locator('#password-error')).toContainText('at least 15');
  await expect(page.getByLabel('New password')).toBeFocused();
  await page.getByLabel('New password').fill(newPassword);
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page).toHaveURL(/\/login\?reset=1$/);
  await expect(page.getByText('Your password was changed')).toBeVisible();

  await signIn(page, email);
  await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
  await signIn(page, email, newPassword);
  await expect(page).toHaveURL(/\/dashboard$/);

  // The used link is refused with a way to ask again.
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'This link cannot be used' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Ask for a new link' })).toBeVisible();
});

test('the Google callback with a bad token or an error lands on the sign-in page', async ({ page }) => {
  for (const query of ['token=not-a-valid-token', 'error=oauth_failed']) {
    await page.goto('/auth/callback?' + query);
    await expect(page).toHaveURL(/\/login\?error=oauth_failed$/);
    await expect(page.getByText('Google sign-in failed')).toBeVisible();
  }
});

test('pages carry a nonce-based CSP and still hydrate', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  const response = await page.goto('/login');
  const csp = response!.headers()['content-security-policy'];
  expect(csp).toMatch(/script-src 'nonce-[^']+' 'strict-dynamic' 'wasm-unsafe-eval'/);
  expect(csp).toContain("frame-ancestors 'none'");
  await hydrated(page);
  expect(errors).toEqual([]);
});

// "Continue with Google" in Chromium, against the OpenID Connect provider that scripts/e2e.sh
// starts in Google's place (end2end/oidc-provider.mjs); who signs in there is set through
// its control port.
import { test, expect, Page } from '@playwright/test';
import { hydrated, signUp } from './console';
import { linkInMail, uniqueEmail } from './mail';

const CONTROL = process.env.OIDC_CONTROL_URL ?? 'http://127.0.0.1:1991';

async function atProvider(path: string, body: object) {
  const response = await fetch(`${CONTROL}${path}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.ok).toBe(true);
}

async function continueWithGoogle(page: Page, from = '/login') {
  await page.goto(from);
  await hydrated(page);
  await page.getByRole('link', { name: 'Continue with Google' }).click();
}

test.afterEach(async () => {
  await atProvider('/tamper', {});
});

test('first Google sign-in opens the dashboard of a new account', async ({ page }) => {
  const email = uniqueEmail('google');
  await atProvider('/identity', { sub: `sub-${email}`, email, email_verified: true });
  await continueWithGoogle(page, '/signup');
  await expect(page).toHaveURL(/\/dashboard$/);
  // The hand-off token never stays in the address bar.
  expect(page.url()).not.toContain('token=');
  await expect(page.getByTestId('email')).toHaveText(email);
  await expect(page.getByTestId('sign-in-methods')).toHaveText('Google');

  // Signed out and back in through Google: the same account.
  await hydrated(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await continueWithGoogle(page);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId('email')).toHaveText(email);
});

test('Google sign-in links to an existing account with the same verified address', async ({ page }) => {
  const email = uniqueEmail('linked');
  await signUp(page, email);
  await page.goto(await linkInMail(email, 0, '/verify-email'));
  await expect(page.getByRole('heading', { name: 'Email verified' })).toBeVisible();

  await atProvider('/identity', { sub: `sub-${email}`, email, email_verified: true });
  await continueWithGoogle(page);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId('sign-in-methods')).toHaveText('Password, Google');
});

test('a refused ID token ends on the sign-in page with a clear message', async ({ page }) => {
  const email = uniqueEmail('refused');
  await atProvider('/identity', { sub: `sub-${email}`, email, email_verified: true });
  await atProvider('/tamper', { aud: 'some-other-client' });
  await continueWithGoogle(page);
  await expect(page).toHaveURL(/\/login\?error=oauth_failed$/);
  await expect(page.getByText('Google sign-in failed.')).toBeVisible();
  await page.goto('/dashboard');
  await expect(page).toHaveURL(/\/login$/);
});

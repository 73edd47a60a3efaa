// The account from the dashboard: another session ended from here stops at once; the
// password changed; the address changed through the new mailbox; the account deleted.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { hydrated, signIn, signUp } from './console';
import { linkInMail, PASSWORD, uniqueEmail } from './mail';

const NEW_PASSWORD = 'a brand new passphrase for this';

test('end another session, change the password and the address, delete the account', async ({
  page,
  baseURL,
}) => {
  const email = uniqueEmail('account');
  await signUp(page, email);
  await page.goto(await linkInMail(email, 0, '/verify-email'));
  await expect(page.getByRole('heading', { name: 'Email verified' })).toBeVisible();

  // A script signs in elsewhere first.
  const login = await fetch(`${baseURL}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'curl/8.5.0' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  const script = (await login.json()).data.token as string;
  const me = async () =>
    (await fetch(`${baseURL}/api/auth/me`, { headers: { authorization: `Bearer ${script}` } })).status;
  expect(await me()).toBe(200);

  await signIn(page, email);
  await expect(page).toHaveURL(/\/dashboard$/);
  await hydrated(page);
  const sessions = page.getByRole('region', { name: 'Sessions' });
  await expect(sessions.getByText('This session')).toBeVisible();
  await sessions.getByRole('button', { name: /^End the session on curl/ }).click();
  await expect(sessions.getByText('Ended the session on curl.')).toBeVisible();
  await expect(sessions.getByRole('button', { name: /^End the session on/ })).toHaveCount(0);
  expect(await me()).toBe(401);
  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.filter((v) => ['serious', 'critical'].includes(v.impact ?? ''))).toEqual([]);

  // A new password needs the current one.
  const password = page.getByRole('region', { name: 'Password' });
  await password.getByLabel('Current password').fill('not my password at all');
  await password.getByLabel('New password').fill(NEW_PASSWORD);
  await password.getByRole('button', { name: 'Change password' }).click();
  await expect(password.getByLabel('Current password')).toHaveAttribute('aria-invalid', 'true');
  await password.getByLabel('Current password').fill(PASSWORD);
  await password.getByLabel('New password').fill(NEW_PASSWORD);
  await password.getByRole('button', { name: 'Change password' }).click();
  await expect(password.getByRole('status')).toContainText('Your password was changed');

  // A new address counts once confirmed from the new mailbox.
  const newEmail = uniqueEmail('moved');
  const address = page.getByRole('region', { name: 'Email address' });
  await address.getByLabel('New email address').fill(newEmail);
  await address.getByLabel('Current password').fill(NEW_PASSWORD);
  await address.getByRole('button', { name: 'Change address' }).click();
  await expect(address.getByRole('status')).toContainText(newEmail);
  await page.goto(await linkInMail(newEmail, 0, '/confirm-email'));
  await hydrated(page);
  await page.getByRole('button', { name: 'Confirm the new address' }).click();
  await expect(page.getByRole('heading', { name: 'Email address changed' })).toBeVisible();
  await page.getByRole('link', { name: 'Go to your dashboard' }).click();
  await expect(page.getByTestId('email')).toHaveText(newEmail);
  await hydrated(page);

  // Deleted after confirming: signed out, and the address signs in no more.
  const danger = page.getByRole('region', { name: 'Delete account' });
  await danger.getByLabel('Your password, or a two-factor code').fill(NEW_PASSWORD);
  page.once('dialog', (dialog) => dialog.accept());
  await danger.getByRole('button', { name: 'Delete my account' }).click();
  await expect(page).toHaveURL(/\/$/);
  await signIn(page, newEmail, NEW_PASSWORD);
  await expect(page.getByRole('alert')).toContainText('Wrong email or password');
});

// API keys from the dashboard: created (shown once), used by a script, revoked.
import { test, expect } from '@playwright/test';
import { hydrated, signIn, signUp } from './console';
import { linkInMail, uniqueEmail } from './mail';

test('create an API key on the dashboard, use it, revoke it', async ({ page, baseURL }) => {
  const email = uniqueEmail('keys');
  await signUp(page, email);
  await page.goto(await linkInMail(email, 0, '/verify-email'));
  await expect(page.getByRole('heading', { name: 'Email verified' })).toBeVisible();
  await signIn(page, email);
  await expect(page).toHaveURL(/\/dashboard$/);
  await hydrated(page);
  await expect(page.getByText('No API keys yet.')).toBeVisible();

  // A name is required.
  await page.getByRole('button', { name: 'Create key' }).click();
  await expect(page.getByLabel('Key name')).toHaveAttribute('aria-invalid', 'true');

  await page.getByLabel('Key name').fill('Deploy script');
  await page.getByLabel('Expires after').selectOption('30');
  await page.getByRole('button', { name: 'Create key' }).click();
  const shown = page.getByTestId('new-api-key');
  await expect(shown).toHaveValue(/^msgsg_[0-9a-f]{64}$/);
  const key = await shown.inputValue();
  const row = page.getByRole('row', { name: /Deploy script/ });
  await expect(row).toContainText(key.slice(0, 14));
  await expect(row).not.toContainText(key);

  // A script uses it.
  const me = async () =>
    (await fetch(`${baseURL}/api/auth/me`, { headers: { authorization: `Bearer ${key}` } })).status;
  expect(await me()).toBe(200);

  // Revoked after confirming: gone from the list, refused at once.
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Revoke Deploy script' }).click();
  await expect(page.getByText('No API keys yet.')).toBeVisible();
  await expect(shown).toHaveCount(0);
  expect(await me()).toBe(401);

  // Shown once: after a reload only the prefix remains anywhere on the page.
  await page.reload();
  await hydrated(page);
  expect(await page.content()).not.toContain(key);
});

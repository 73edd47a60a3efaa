import { test, expect } from '@playwright/test';

test('the home page renders on the server and hydrates', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));

  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  // Server-rendered content is there before the WASM runs.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your accounts, on your own server');
  // The app marks <body> once hydration has run.
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true', { timeout: 30_000 });
  await expect(page).toHaveTitle('Welcome · msgsg console');
  await page.screenshot({ path: test.info().outputPath('home.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('an unknown page answers 404 in the console style', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true', { timeout: 30_000 });
});

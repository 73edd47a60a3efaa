import { test, expect, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { PASSWORD, linkInMail, uniqueEmail } from './mail';

// Every page: no serious or critical accessibility violation, and a screenshot at phone and
// desktop widths (kept as test artifacts).
const pages: [string, string][] = [
  ['home', '/'],
  ['signup', '/signup'],
  ['login', '/login'],
  ['login-oauth-failed', '/login?error=oauth_failed'],
  ['forgot-password', '/forgot-password'],
  ['verify-email-invalid', '/verify-email?token=' + '0'.repeat(64)],
  ['reset-password-invalid', '/reset-password?token=' + '0'.repeat(64)],
  ['confirm-email-invalid', '/confirm-email?token=' + '0'.repeat(64)],
  ['not-found', '/no/such/page'],
];

async function check(page: Page, name: string) {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true', { timeout: 30_000 });
  await page.waitForLoadState('networkidle');
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help}`), name).toEqual([]);
  for (const width of [390, 1280]) {
    await page.setViewportSize({ width, height: 844 });
    await page.screenshot({ path: test.info().outputPath(`${name}-${width}.png`), fullPage: true });
  }
}

for (const [name, path] of pages) {
  test(`page ${name} is accessible`, async ({ page }) => {
    await page.goto(path);
    await check(page, name);
  });
}

test('page dashboard is accessible', async ({ page }) => {
  const email = uniqueEmail('a11y');
  await page.request.post('/api/auth/signup', { data: { email, password: PASSWORD } });
  const link = await linkInMail(email, 0, '/verify-email');
  const token = new URL(link, 'http://x').searchParams.get('token');
  await page.request.post('/api/auth/verify-email', { data: { token } });
  const login = await page.request.post('/api/auth/login', { data: { email, password: PASSWORD } });
  expect(login.status()).toBe(200);
  await page.goto('/dashboard');
  await expect(page.getByTestId('email')).toHaveText(email);
  await check(page, 'dashboard');
});

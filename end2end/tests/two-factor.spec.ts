// Two-factor sign-in from the dashboard: turned on with a code computed from the key the
// page shows (as a phone would), then asked for at sign-in, then turned off.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { createHmac } from 'node:crypto';
import { hydrated, signIn, signUp } from './console';
import { linkInMail, PASSWORD, uniqueEmail } from './mail';

/** RFC 6238 with SHA-1, 6 digits, 30 s steps: the code of `secret` (base32) at `time` ms. */
function totp(secret: string, time: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '')) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  }
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(time / 1000 / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, '0');
}

test('turn on two-factor sign-in, sign in with a code, turn it off', async ({ page }) => {
  const email = uniqueEmail('twofactor');
  await signUp(page, email);
  await page.goto(await linkInMail(email, 0, '/verify-email'));
  await expect(page.getByRole('heading', { name: 'Email verified' })).toBeVisible();
  await signIn(page, email);
  await expect(page).toHaveURL(/\/dashboard$/);
  await hydrated(page);

  // The password is asked for, however fresh the session.
  await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
  await expect(page.getByRole('alert')).toContainText('Enter your password');
  await page.getByLabel('Your password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
  await expect(page.getByRole('img', { name: 'QR code of the new key' })).toBeVisible();
  const secret = (await page.getByTestId('manual-key').textContent())!.trim();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await page.getByLabel('Authentication code').fill('000000');
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect(page.getByLabel('Authentication code')).toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Authentication code').fill(totp(secret, Date.now()));
  await page.getByRole('button', { name: 'Turn on' }).click();
  const codes = page.getByTestId('recovery-codes');
  await expect(codes).toHaveValue(/^([a-z2-9]{4}-){2}[a-z2-9]{4}(\n([a-z2-9]{4}-){2}[a-z2-9]{4}){9}$/);
  await expect(page.getByTestId('two-factor-status')).toHaveText('On. 10 recovery codes left.');
  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.filter((v) => ['serious', 'critical'].includes(v.impact ?? ''))).toEqual([]);
  await page.getByRole('button', { name: 'I have saved them' }).click();
  await expect(codes).toHaveCount(0);

  // Signing in again asks for the code in a second step. The next step's code is used:
  // the one that turned the factor on never works twice.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await signIn(page, email);
  await expect(page.getByRole('heading', { name: 'Two-factor sign-in' })).toBeVisible();
  const field = page.getByLabel('Authentication code');
  await expect(field).toHaveAttribute('autocomplete', 'one-time-code');
  const step = await new AxeBuilder({ page }).analyze();
  expect(step.violations.filter((v) => ['serious', 'critical'].includes(v.impact ?? ''))).toEqual([]);
  for (const width of [390, 1280]) {
    await page.setViewportSize({ width, height: 844 });
    await page.screenshot({ path: test.info().outputPath(`login-second-step-${width}.png`), fullPage: true });
  }
  await field.fill('123 456');
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await expect(page).toHaveURL(/\/login$/);
  await field.fill(totp(secret, Date.now() + 30_000));
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/dashboard$/);
  await hydrated(page);

  // Turning it off needs the password.
  await page.getByLabel('Your password or a code from the app').fill(PASSWORD);
  await page.getByRole('button', { name: 'Turn off' }).click();
  await expect(page.getByRole('button', { name: 'Turn on two-factor sign-in' })).toBeVisible();
});

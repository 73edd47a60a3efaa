// Device cookies: a flood of wrong passwords from elsewhere locks strangers out of the
// account, never the browser its owner signed in from before.
import { test, expect, request } from '@playwright/test';
import { hydrated, signIn, signUp } from './console';
import { PASSWORD, linkInMail, mailsTo, uniqueEmail } from './mail';

test('the owner signs in from a known browser while strangers are locked out', async ({ page, baseURL }) => {
  const email = uniqueEmail('flooded');
  await signUp(page, email);
  await page.goto(await linkInMail(email, 0, '/verify-email'));
  await expect(page.getByRole('heading', { name: 'Email verified' })).toBeVisible();
  await signIn(page, email);
  await expect(page).toHaveURL(/\/dashboard$/);
  await hydrated(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);

  // Somewhere else, with no cookie of this browser: wrong passwords until the lock.
  const stranger = await request.newContext({ baseURL });
  let locked = false;
  for (let i = 0; i < 15 && !locked; i++) {
    const reply = await stranger.post('/api/auth/login', {
      data: { email, password: `a stranger's guess number ${i}` },
    });
    locked = reply.status() === 423;
  }
  expect(locked).toBe(true);
  const right = await stranger.post('/api/auth/login', { data: { email, password: PASSWORD } });
  expect(right.status()).toBe(423);
  await stranger.dispose();

  // The owner's browser signed in here before: it is not locked out.
  await signIn(page, email);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId('email')).toHaveText(email);

  // And the owner is told, once.
  const mails = await mailsTo(email, 2);
  expect(mails.filter((m) => m.subject === 'Failed sign-in attempts on your account')).toHaveLength(1);
});

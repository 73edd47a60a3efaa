// Reads the console's mail back from maildev, the SMTP server the browser tests run against.
import { expect } from '@playwright/test';

const MAILDEV = process.env.MAILDEV_URL ?? 'http://127.0.0.1:1980';

export const PASSWORD = 'correct horse battery staple';

export function uniqueEmail(name: string): string {
  return `${name}.${Date.now()}.${Math.floor(Math.random() * 1e6)}@example.com`;
}

type Mail = { subject: string; text: string; to: { address: string }[] };

export async function mailsTo(address: string, count: number): Promise<Mail[]> {
  let mails: Mail[] = [];
  await expect
    .poll(
      async () => {
        const all: Mail[] = await (await fetch(`${MAILDEV}/api/email`)).json();
        mails = all.filter((m) => m.to.some((t) => t.address.toLowerCase() === address.toLowerCase()));
        return mails.length;
      },
      { timeout: 15_000 },
    )
    .toBeGreaterThanOrEqual(count);
  return mails;
}

/** The link to `path` in the `index`-th mail to `address`, made relative to the console. */
export async function linkInMail(address: string, index: number, path: string): Promise<string> {
  const mails = await mailsTo(address, index + 1);
  const match = mails[index].text.match(new RegExp(`https?://[^\\s]*${path}\\?token=[0-9a-f]+`));
  expect(match, `a ${path} link in: ${mails[index].text}`).not.toBeNull();
  const url = new URL(match![0]);
  return url.pathname + url.search;
}

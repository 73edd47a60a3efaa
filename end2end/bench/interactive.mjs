// Time for a page to become interactive (hydrated) in headless Chromium: median of a few
// cold loads. Usage: node end2end/bench/interactive.mjs http://127.0.0.1:3000/login
import { chromium } from '@playwright/test';

const url = process.argv[2] ?? 'http://127.0.0.1:3000/login';
const runs = Number(process.env.RUNS ?? 7);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const times = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const start = Date.now();
  await page.goto(url);
  await page.waitForSelector('body[data-hydrated="true"]');
  times.push(Date.now() - start);
  await context.close();
}
await browser.close();
times.sort((a, b) => a - b);
console.log(JSON.stringify({ url, runs, median_ms: times[Math.floor(runs / 2)], min_ms: times[0], max_ms: times[runs - 1] }));

// dist/ecg-screen.html opened from disk (file://) in real Chromium: screens the built-in sample and a
// record opened from files, with no network at all. tools/build.sh wasm builds the file.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { CHROMIUM } from './helpers.mjs';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let browser;
let page;
const requests = [];
const errors = [];

before(async () => {
  assert.ok(existsSync(`${ROOT}dist/ecg-screen.html`), 'dist/ecg-screen.html is missing: run bash tools/build.sh wasm');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 1400 } });
  context.on('request', (request) => requests.push(request.url()));
  page = await context.newPage();
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  await page.goto(pathToFileURL(`${ROOT}dist/ecg-screen.html`).href);
  await page.waitForSelector('#screen-sample:not([disabled])', { timeout: 30_000 });
});
after(async () => { await browser?.close(); });

test('the single file screens its built-in sample from file://', async () => {
  await page.click('#screen-sample');
  await page.waitForFunction(() => /\d+ bpm/.test(document.getElementById('heart-rate').textContent), null, { timeout: 30_000 });
  assert.equal(await page.textContent('#heart-rate'), '64 bpm');
  assert.equal(await page.textContent('#beat-count'), '11');
});

test('the single file screens a record opened from files', async () => {
  // The first test already screened 00003_hr, so wait for this screening's own status line.
  await page.evaluate(() => { document.getElementById('status').textContent = ''; });
  await page.setInputFiles('#file-input', [`${ROOT}tests/fixtures/wfdb/00003_hr.hea`, `${ROOT}tests/fixtures/wfdb/00003_hr.dat`]);
  await page.waitForFunction(() => /^Screened 00003_hr:/.test(document.getElementById('status').textContent), null, { timeout: 30_000 });
  assert.equal(await page.textContent('#heart-rate'), '64 bpm');
  await page.screenshot({ path: `${ROOT}build/browser/single-file.png`, fullPage: true });
});

test('the single file explains that live ECG needs a served page (no Web Bluetooth from file://)', async () => {
  assert.match(await page.textContent('#live-status'), /^Live ECG needs Web Bluetooth, which browsers do not offer to a page opened from a file \(file:\/\/\)\./);
  assert.ok(await page.isDisabled('#live-connect'));
});

test('the single file makes no network request and logs no error', () => {
  const network = requests.filter((url) => !url.startsWith('file:') && !url.startsWith('blob:') && !url.startsWith('data:'));
  assert.deepEqual(network, []);
  assert.deepEqual(errors, []);
});

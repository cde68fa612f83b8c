// The <ecg-screen> custom element inside a portal-like page: screens the sample and files handed to it,
// reports findings as events, shows errors, and keeps every request on the page's origin.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { foreignRequests, openApp } from './helpers.mjs';

const PORTAL = readFileSync(fileURLToPath(new URL('./portal.html', import.meta.url)));
const FIXTURES = fileURLToPath(new URL('../fixtures/wfdb/', import.meta.url));
let app;

before(async () => {
  app = await openApp();
  await app.context.route(`${app.server.url}portal.html`, (route) => route.fulfill({ body: PORTAL, contentType: 'text/html' }));
  await app.page.goto(`${app.server.url}portal.html`);
  await app.page.waitForFunction(() => {
    const button = document.getElementById('ecg')?.shadowRoot?.querySelector('.sample');
    return button && !button.disabled;
  }, null, { timeout: 30_000 });
});
after(async () => { await app?.close(); });

test('the element screens its built-in sample and announces the findings', async () => {
  const { page } = app;
  const findings = await page.evaluate(() => new Promise((resolve) => {
    const element = document.getElementById('ecg');
    element.addEventListener('ecg-findings', (event) => resolve(event.detail), { once: true });
    element.shadowRoot.querySelector('.sample').click();
  }));
  assert.equal(findings.record, '00003_hr');
  assert.equal(findings.rpeaks.length, 11);
  assert.equal(findings.age, 37);
  assert.equal(findings.sex, 'female');
  assert.equal(await page.evaluate(() => document.getElementById('ecg').shadowRoot.querySelector('.heart-rate').textContent), '64 bpm');
});

test('the element screens files handed to it by the portal and reports bad ones', async () => {
  const { page } = app;
  const hea = [...readFileSync(`${FIXTURES}00003_hr.hea`)];
  const dat = [...readFileSync(`${FIXTURES}00003_hr.dat`)];
  const heartRate = await page.evaluate(async ([h, d]) => {
    const findings = await document.getElementById('ecg').screenFiles([
      new File([new Uint8Array(h)], '00003_hr.hea'), new File([new Uint8Array(d)], '00003_hr.dat')]);
    return findings.heart_rate_bpm;
  }, [hea, dat]);
  assert.ok(Math.abs(heartRate - 64.1) < 1);
  const message = await page.evaluate(async (h) => {
    const element = document.getElementById('ecg');
    const announced = new Promise((resolve) => element.addEventListener('ecg-error', (e) => resolve(e.detail.message), { once: true }));
    await element.screenFiles([new File([new Uint8Array(h)], '00003_hr.hea')]).catch(() => {});
    return announced;
  }, hea);
  assert.match(message, /00003_hr\.dat.*not among the files given/);
  // The failed record must not leave the previous record's heart rate on show.
  assert.equal(await page.evaluate(() => document.getElementById('ecg').shadowRoot.querySelector('.heart-rate').textContent), '–');
  await page.screenshot({ path: fileURLToPath(new URL('../../build/browser/element.png', import.meta.url)), fullPage: true });
});

test('the embedded element makes no request outside the portal origin and logs no error', () => {
  assert.deepEqual(foreignRequests(app.requests, app.server.url), []);
  assert.deepEqual(app.errors, []);
});

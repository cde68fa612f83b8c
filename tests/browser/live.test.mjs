// Live ECG in real Chromium with an emulated strap. Chromium's CDP BluetoothEmulation domain cannot
// send notifications (no ECG frame can reach the page through it; tests/browser/live-cdp.test.mjs uses
// it for what it can do), so a test double of navigator.bluetooth (tests/browser/ble-double.js) is
// injected before the page's scripts. It replays MIT-BIH 100 (2 min, lead MLII) resampled to 130 Hz as
// Polar H10 PMD frames at 8x real time, and the annotated RR intervals of CPSC 2021 data_8_4 (AF) as
// Heart Rate Measurement values. The displayed heart rate is checked against the records' annotations.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { loadEcgScreen } from '../../web/lib/ecg-screen.js';
import { heartRateValues, loadReplay, pmdFrames, referenceHr } from '../js/live-replay.mjs';
import { foreignRequests, openApp } from './helpers.mjs';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const SCREENSHOT_DIR = fileURLToPath(new URL('../../build/browser/', import.meta.url));
const DOUBLE = readFileSync(new URL('./ble-double.js', import.meta.url), 'utf8');
const SPEED = 8;

const ecg = await loadEcgScreen({ models: [] });
const { pmd, heartRate } = ecg.bleProtocol;
const nsr = await loadReplay(ecg, `${FIXTURES}mitbih/100_2min`, 'II');
const af = await loadReplay(ecg, `${FIXTURES}cpsc2021/data_8_4`, 'I');
const b64 = (bytes) => Buffer.from(bytes).toString('base64');
const doubleArgs = {
  pmd: { service: pmd.service, controlPoint: pmd.controlPoint, data: pmd.data },
  heartRate,
  frames: pmdFrames(nsr.mv).map(b64),
  hrValues: heartRateValues(af.beatsS).map(b64),
  speed: SPEED,
};

let app;
const writes = [];
before(async () => {
  app = await openApp();
  await app.context.exposeFunction('__bleWrite', (line) => { writes.push(line); });
  await app.context.addInitScript({ content: `(${DOUBLE})(${JSON.stringify(doubleArgs)});` });
});
after(async () => { await app?.close(); });

async function openAndConnect(deviceName) {
  const { page, server } = app;
  await page.goto(server.url);
  await page.waitForSelector('#live-connect:not([disabled])', { timeout: 30_000 });
  await page.evaluate((name) => { window.__bleDouble.chosen = name; }, deviceName);
  await page.click('#live-connect');
  await page.waitForFunction(() => /^Connected to /.test(document.getElementById('live-status').textContent), null, { timeout: 30_000 });
}

const updateNumber = (page) => page.$eval('#live-session', (el) => Number(el.dataset.update ?? 0));
// The shown heart rate and the exact window it covers, read together (an update may land in between).
const shownHr = (page) => page.evaluate(() => ({
  bpm: Number(document.getElementById('live-hr').textContent.match(/^(\d+) bpm$/)?.[1]),
  window: document.getElementById('live-hr-detail').dataset.window.split(',').map(Number),
}));

test('a Polar H10 streaming MIT-BIH 100: strip chart, heart rate within 2 bpm of the annotations, findings update, stop on disconnect, session saved', async () => {
  const { page, server, requests, errors } = app;
  writes.length = 0;
  await openAndConnect('Polar H10 A1B2C3D4');
  assert.match(await page.textContent('#live-status'), /ECG at 130 Hz \(Polar PMD\)/);
  const [request] = await page.evaluate(() => window.__bleDouble.requests);
  assert.deepEqual(request.optionalServices, [pmd.service, heartRate.service]);
  assert.ok(request.filters.some((f) => f.services?.includes(pmd.service)));

  // Findings update while the record plays (every 5 s of signal = 0.6 s here); watch them change.
  const seen = [];
  await page.waitForFunction(() => Number(document.getElementById('live-session').dataset.update ?? 0) >= 4, null, { timeout: 60_000 });
  seen.push({ update: await updateNumber(page), ...(await shownHr(page)) });
  await page.waitForFunction(() => window.__bleDouble.playbackDone, null, { timeout: 120_000 });
  await page.waitForFunction(() => Number(document.getElementById('live-session').dataset.update) === 24, null, { timeout: 30_000 });
  seen.push({ update: await updateNumber(page), ...(await shownHr(page)) });
  assert.ok(seen[1].update > seen[0].update, `findings updated: ${JSON.stringify(seen)}`);
  for (const s of seen) {
    const ref = referenceHr(nsr.beatsS, ...s.window);
    console.log(`# page heart rate at update ${s.update}: ${s.bpm} bpm; annotations ${ref.toFixed(2)} bpm over ${s.window.map((t) => t.toFixed(1)).join('–')} s`);
    assert.ok(Math.abs(s.bpm - ref) <= 2, `shown ${s.bpm} bpm, annotations ${ref.toFixed(2)} bpm`);
  }
  // The rule, then the shipped single-lead rhythm model on the last 30 s (MIT-BIH 100 is sinus rhythm).
  assert.match(await page.textContent('#live-rhythm'),
    /^Regular RR \(normalised RMSSD 0\.\d\d ≤ 0\.10 over the last 30 s\); rhythm-1: normal sinus rhythm \(\d+ %\)$/);
  assert.match(await page.textContent('#live-quality'), /^good \(beats alike: 0\.9\d\)$/);
  assert.match(await page.textContent('#live-session'), /^120 s, 14\d beats, 0 gaps; update 24$/);
  assert.ok(await page.isHidden('#live-inconclusive'));

  // The strip chart holds a trace, not just grid paper.
  const dark = await page.$eval('#live-strip', (canvas) => {
    const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i] < 80 && px[i + 1] < 80 && px[i + 2] < 80) n++;
    return n;
  });
  assert.ok(dark > 1500, `expected a drawn trace, found ${dark} dark pixels`);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.locator('section.live').screenshot({ path: `${SCREENSHOT_DIR}live-polar.png` });

  // Disconnect: the device gets get-settings, start ECG at 130 Hz and, last, stop.
  await page.click('#live-disconnect');
  await page.waitForFunction(() => /^Disconnected from Polar H10/.test(document.getElementById('live-status').textContent));
  const controlPointWrites = writes.filter((w) => w.includes(pmd.controlPoint)).map((w) => w.split('|')[2]);
  assert.deepEqual(controlPointWrites, ['01 00', '02 00 00 01 82 00 01 01 0e 00', '03 00']);

  // Save the session: WFDB (two files) and CSV, as downloads made on this device.
  const wfdb = [];
  page.on('download', (download) => wfdb.push(download));
  await page.click('#live-save-wfdb');
  await page.waitForFunction(() => /^Saved ecg-live-.*\.hea and ecg-live-.*\.dat/.test(document.getElementById('live-status').textContent));
  while (wfdb.length < 2) await new Promise((resolve) => setTimeout(resolve, 50));
  const hea = readFileSync(await wfdb[0].path(), 'utf8');
  assert.match(wfdb[0].suggestedFilename(), /^ecg-live-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.hea$/);
  assert.match(hea, /^ecg-live-\S+ 1 130 15600 \d\d:\d\d:\d\d \d\d\/\d\d\/\d{4}\n\S+\.dat 16 1000\/mV 16 0 -?\d+ -?\d+ 0 ECG\n/);
  assert.equal(readFileSync(await wfdb[1].path()).length, 15600 * 2);
  await page.click('#live-save-csv');
  while (wfdb.length < 3) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.match(readFileSync(await wfdb[2].path(), 'utf8').slice(0, 40), /^time_s,ECG \(mV\)\n0\.000000,-?\d+\.\d{3}\n/);

  assert.deepEqual(errors, [], 'the page logged errors');
  assert.deepEqual(foreignRequests(requests, server.url), [], 'requests left the page origin');
});

test('a plain Heart Rate strap streaming the RR intervals of an AF record: AF suspected, heart rate within 2 bpm', async () => {
  const { page, server, requests, errors } = app;
  writes.length = 0;
  await openAndConnect('HR strap 42');
  assert.match(await page.textContent('#live-status'), /heart rate and RR intervals \(Heart Rate service\)/);
  await page.waitForFunction(() => window.__bleDouble.playbackDone, null, { timeout: 60_000 });
  await page.waitForFunction(() => Number(document.getElementById('live-session').dataset.update ?? 0) >= 7, null, { timeout: 30_000 });
  const { bpm, window } = await shownHr(page);
  // RR time starts at the first annotated beat.
  const ref = referenceHr(af.beatsS, window[0] + af.beatsS[0], window[1] + af.beatsS[0] + 1e-6);
  console.log(`# page heart rate from RR intervals: ${bpm} bpm; annotations ${ref.toFixed(2)} bpm`);
  assert.ok(Math.abs(bpm - ref) <= 2, `shown ${bpm} bpm, annotations ${ref.toFixed(2)} bpm`);
  assert.match(await page.textContent('#live-rhythm'), /^Irregular RR — atrial fibrillation suspected \(normalised RMSSD 0\.\d\d > 0\.10 over the last 30 s\)/);
  assert.ok(await page.$eval('#live-rhythm', (el) => el.classList.contains('alert')));
  assert.match(await page.textContent('#live-hr-detail'), /the strap reports \d+ bpm/);
  assert.match(await page.textContent('#live-quality'), /^RR intervals only/);
  await page.click('#live-disconnect');
  await page.waitForFunction(() => /^Disconnected from HR strap 42/.test(document.getElementById('live-status').textContent));
  assert.ok(await page.isDisabled('#live-save-wfdb'), 'an RR session has no samples for WFDB');
  assert.ok(await page.isEnabled('#live-save-csv'));
  assert.deepEqual(writes, [], 'nothing is written to a plain heart-rate strap');
  assert.deepEqual(errors, [], 'the page logged errors');
  assert.deepEqual(foreignRequests(requests, server.url), [], 'requests left the page origin');
});

test('leaving the page while a Polar H10 streams sends it the stop command', async () => {
  const { page } = app;
  writes.length = 0;
  await openAndConnect('Polar H10 A1B2C3D4');
  await page.waitForFunction(() => window.__bleDouble.notified > 5, null, { timeout: 30_000 });
  await page.goto('about:blank');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const controlPointWrites = writes.filter((w) => w.includes(pmd.controlPoint)).map((w) => w.split('|')[2]);
  assert.deepEqual(controlPointWrites, ['01 00', '02 00 00 01 82 00 01 01 0e 00', '03 00']);
});

test('without Web Bluetooth the page says why and keeps the connect button off', async () => {
  const context = await app.browser.newContext();  // no test double: Debian's Chromium has no navigator.bluetooth by default
  try {
    const page = await context.newPage();
    await page.goto(app.server.url);
    await page.waitForSelector('#screen-sample:not([disabled])', { timeout: 30_000 });
    assert.equal(await page.evaluate(() => 'bluetooth' in navigator), false);
    assert.match(await page.textContent('#live-status'), /^This browser does not offer Web Bluetooth\. Use Chrome or Edge/);
    assert.ok(await page.isDisabled('#live-connect'));
  } finally {
    await context.close();
  }
});

// The served app in real Chromium: screen the built-in sample, check the displayed heart rate against
// an independent computation, save a screenshot, and fail on any request that leaves the origin.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { foreignRequests, openApp } from './helpers.mjs';

const SAMPLE_DAT = fileURLToPath(new URL('../fixtures/wfdb/00003_hr.dat', import.meta.url));
const SCREENSHOT_DIR = fileURLToPath(new URL('../../build/browser/', import.meta.url));

// Heart rate of the sample computed without the core: lead II (2nd of 12 interleaved int16 leads,
// 500 Hz), absolute first difference summed over 50 ms, peaks above half the maximum at least 300 ms
// apart, 60 / median RR.
function independentHeartRate() {
  const bytes = readFileSync(SAMPLE_DAT);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fs = 500;
  const n = bytes.byteLength / 24;
  const lead = Array.from({ length: n }, (_, i) => view.getInt16((i * 12 + 1) * 2, true));
  const slope = lead.map((v, i) => (i ? Math.abs(v - lead[i - 1]) : 0));
  const width = fs * 0.05;
  const energy = slope.map((_, i) => slope.slice(Math.max(0, i - width / 2), i + width / 2).reduce((a, b) => a + b, 0));
  const threshold = 0.5 * Math.max(...energy);
  const peaks = [];
  for (let i = 1; i < n - 1; i++) {
    if (energy[i] > threshold && energy[i] >= energy[i - 1] && energy[i] > energy[i + 1]) {
      if (peaks.length && i - peaks.at(-1) < 0.3 * fs) {
        if (energy[i] > energy[peaks.at(-1)]) peaks[peaks.length - 1] = i;
      } else {
        peaks.push(i);
      }
    }
  }
  const rr = peaks.slice(1).map((p, k) => p - peaks[k]).sort((a, b) => a - b);
  const median = rr.length % 2 ? rr[rr.length >> 1] : (rr[rr.length / 2 - 1] + rr[rr.length / 2]) / 2;
  return { bpm: (60 * fs) / median, beats: peaks.length };
}

let app;
before(async () => { app = await openApp(); });
after(async () => { await app?.close(); });

test('the served page screens the built-in sample and shows its heart rate and 12 traces', async () => {
  const { page, server, requests, errors } = app;
  await page.goto(server.url);
  await page.waitForSelector('#screen-sample:not([disabled])', { timeout: 30_000 });
  await page.click('#screen-sample');
  await page.waitForFunction(() => /\d+ bpm/.test(document.getElementById('heart-rate').textContent), null, { timeout: 30_000 });

  const shown = Number((await page.textContent('#heart-rate')).match(/(\d+) bpm/)[1]);
  const expected = independentHeartRate();
  assert.equal(expected.beats, 11, 'independent detector should find the 11 beats of the sample');
  assert.ok(Math.abs(shown - expected.bpm) <= 1, `page shows ${shown} bpm, independent computation ${expected.bpm.toFixed(1)} bpm`);
  assert.equal(await page.textContent('#beat-count'), String(expected.beats));
  assert.equal(await page.textContent('#leads'), 'I, II, III, aVR, aVL, aVF, V1, V2, V3, V4, V5, V6');
  // The shipped 12-lead model ran and its and the rules' findings are listed with their evidence.
  assert.match(await page.textContent('#model-used'), /^mobilenet1d-12 \(12 leads: I, II, .*; 2 windows of 10\.0 s\)$/);
  assert.ok((await page.$$('#positive-classes li')).length >= 1);
  assert.equal((await page.$$('#class-table tr')).length, 26);
  assert.match(await page.textContent('#rule-evidence'), /Brady: negative — .*heart_rate_bpm = 64\.1/);
  assert.ok(!(await page.isVisible('#inconclusive')));

  // The canvas holds drawn traces: many dark pixels, not just grid paper.
  const dark = await page.evaluate(() => {
    const canvas = document.getElementById('ecg-plot');
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let count = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] < 80 && data[i + 1] < 80 && data[i + 2] < 80) count++;
    return count;
  });
  assert.ok(dark > 5000, `expected drawn traces on the canvas, found ${dark} dark pixels`);

  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOT_DIR}app-sample.png`, fullPage: true });

  assert.deepEqual(errors, [], 'the page logged errors');
  assert.ok(requests.length > 0, 'requests were recorded');
  assert.deepEqual(foreignRequests(requests, server.url), [], 'requests left the page origin');
});

test('a bad file gives a clear message on the page', async () => {
  const { page, server } = app;
  await page.goto(server.url);
  await page.waitForSelector('#file-input:not([disabled])', { timeout: 30_000 });
  await page.setInputFiles('#file-input', [{ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') }]);
  await page.waitForSelector('#status.error', { timeout: 30_000 });
  assert.match(await page.textContent('#status'), /could not recognise the record format of: notes\.txt/);
});

test('after the first visit the app works offline: reload without network and screen the sample', async () => {
  const { page, context, server, requests } = app;
  await page.goto(server.url);
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  await page.reload();  // now controlled by the service worker
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await context.setOffline(true);
  try {
    await page.reload();
    await page.waitForSelector('#screen-sample:not([disabled])', { timeout: 30_000 });
    await page.click('#screen-sample');
    await page.waitForFunction(() => /\d+ bpm/.test(document.getElementById('heart-rate').textContent), null, { timeout: 30_000 });
    assert.match(await page.textContent('#heart-rate'), /^6[34] bpm$/);
  } finally {
    await context.setOffline(false);
  }
  assert.deepEqual(foreignRequests(requests, server.url), [], 'requests left the page origin');
});

test('several records opened at once are each screened and listed; stray files are reported', async () => {
  const { page, server } = app;
  const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
  await page.goto(server.url);
  await page.waitForSelector('#file-input:not([disabled])', { timeout: 30_000 });
  await page.setInputFiles('#file-input', [
    `${fixtures}wfdb/00003_hr.hea`, `${fixtures}wfdb/00003_hr.dat`,
    `${fixtures}train/ptbxl/00001_hr.hea`, `${fixtures}train/ptbxl/00001_hr.dat`, `${fixtures}ATTRIBUTION.md`]);
  await page.waitForFunction(() => /Screened 2 of 2 records/.test(document.getElementById('status').textContent), null, { timeout: 30_000 });
  assert.match(await page.textContent('#status'), /Not part of any record.*ATTRIBUTION\.md/);
  const items = await page.$$eval('#record-list tr', (trs) => trs.map((tr) => [...tr.children].slice(0, 2).map((c) => c.textContent).join(' — ')));
  assert.equal(items.length, 2);
  assert.match(items[0], /^00003_hr — 64$/);
  assert.match(items[1], /^00001_hr — \d+$/);
  // Back to the first record, then zoom to 50 mm/s: 5 s of the 10 s record fit on the paper.
  await page.click('#record-list tr:first-child button');
  assert.equal(await page.textContent('#record-name'), '— 00003_hr');
  await page.selectOption('#speed', '50');
  assert.match(await page.textContent('#scale'), /^50 mm\/s, 10 mm\/mV; .*showing 0\.0–5\.0 s/);
  assert.equal(await page.$eval('#start', (el) => el.max), '5');
});

test('the printed report fits on one page and carries the findings and the disclaimer', async () => {
  const { page, server } = app;
  await page.goto(server.url);
  await page.waitForSelector('#screen-sample:not([disabled])', { timeout: 30_000 });
  await page.click('#screen-sample');
  await page.waitForSelector('#print-report:not([disabled])', { timeout: 30_000 });
  const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const { writeFileSync } = await import('node:fs');
  writeFileSync(`${SCREENSHOT_DIR}report.pdf`, pdf);
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  assert.equal(pages, 1, `the report should print on one page, got ${pages}`);
  await page.emulateMedia({ media: 'print' });
  assert.match(await page.textContent('#report-meta'), /^Record 00003_hr; 12 leads, 10\.0 s at 500 Hz; screened .* on this device\.$/);
  assert.ok(await page.isVisible('#disclaimer'));
  assert.ok(await page.isVisible('#heart-rate'));
  assert.ok(!(await page.isVisible('#screen-sample')), 'controls are not printed');
  assert.ok(!(await page.isVisible('#speed')), 'view controls are not printed');
  await page.emulateMedia({ media: 'screen' });
});

test('a CinC .mat record, an EDF+ and a CSV opened together are each read and screened', async () => {
  const { page, server } = app;
  const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
  await page.goto(server.url);
  await page.waitForSelector('#file-input:not([disabled])', { timeout: 30_000 });
  await page.setInputFiles('#file-input', [
    `${fixtures}cinc/Q0016.hea`, `${fixtures}cinc/Q0016.mat`, `${fixtures}edf/00003_lr.edf`, `${fixtures}csv/00003_lr.csv`]);
  await page.waitForFunction(() => /Screened 3 of 3 records/.test(document.getElementById('status').textContent), null, { timeout: 30_000 });
  const items = await page.$$eval('#record-list tr', (trs) => trs.map((tr) => tr.children[0].textContent));
  assert.deepEqual(items, ['Q0016', '00003_lr', '00003_lr']);
});

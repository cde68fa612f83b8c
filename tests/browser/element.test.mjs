// The <ecg-screen> custom element inside a portal-like page with three of them (portal.html): they
// share one worker, one WebAssembly instance and one model set; each screens its own record for its
// own patient; the shared worker bridge queues requests and honours AbortSignals (dropped while
// waiting, AbortError while running); errors are shown; every request stays on the page's origin.
// Last, the element as the npm package ships it: the portal serves the unpacked tarball.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { startServer } from '../../tools/serve.mjs';
import { foreignRequests, openApp } from './helpers.mjs';

const PORTAL = readFileSync(fileURLToPath(new URL('./portal.html', import.meta.url)));
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const RECORDS = {
  '00003_hr': ['wfdb/00003_hr.hea', 'wfdb/00003_hr.dat'],
  '00001_hr': ['train/ptbxl/00001_hr.hea', 'train/ptbxl/00001_hr.dat'],
};
// {record: [{name, bytes: number[]}]}: handed to the page, which makes fresh Uint8Arrays of them
// (a request transfers its bytes to the worker).
const FILES = Object.fromEntries(Object.entries(RECORDS).map(([record, paths]) =>
  [record, paths.map((p) => ({ name: p.split('/').pop(), bytes: [...readFileSync(`${FIXTURES}${p}`)] }))]));
const IDS = ['ecg', 'ecg2', 'ecg3'];
let app;

const allReady = (page) => page.waitForFunction((ids) => ids.every((id) => {
  const input = document.getElementById(id)?.shadowRoot?.querySelector('.files');
  return input && !input.disabled;
}), IDS, { timeout: 30_000 });

before(async () => {
  app = await openApp();
  // Count what the page posts to workers (by message type), to see which requests reached the worker.
  await app.context.addInitScript(() => {
    const post = Worker.prototype.postMessage;
    window.posted = [];
    Worker.prototype.postMessage = function (message, transfer) {
      window.posted.push(message?.type);
      return post.call(this, message, transfer);
    };
  });
  await app.context.route(`${app.server.url}portal.html`, (route) => route.fulfill({ body: PORTAL, contentType: 'text/html' }));
  await app.page.goto(`${app.server.url}portal.html`);
  await allReady(app.page);
});
after(async () => { await app?.close(); });

const requestsOf = (suffix) => app.requests.filter((url) => new URL(url).pathname.endsWith(suffix)).length;

test('three elements on one page share one worker, one wasm instance and one model set', async () => {
  const { page } = app;
  assert.equal(page.workers().length, 1, `workers: ${page.workers().map((w) => w.url()).join(', ')}`);
  assert.equal(requestsOf('/web/worker.js'), 1);
  assert.equal(requestsOf('/ecg-core.wasm'), 1);
  assert.equal(requestsOf('/models/mobilenet1d-12.safetensors'), 1);
  assert.equal(await page.evaluate((ids) => ids.every((id) => document.getElementById(id).engine === document.getElementById('ecg').engine), IDS), true);
});

test('the three elements screen at once, each its own record for its own patient', async () => {
  const { page } = app;
  const results = await page.evaluate(async (files) => {
    const el = (id) => document.getElementById(id);
    const make = (record) => files[record].map((f) => ({ name: f.name, bytes: new Uint8Array(f.bytes) }));
    const announced = (id, type) => new Promise((resolve) => el(id).addEventListener(type, (e) => resolve(e.detail), { once: true }));
    const sample = announced('ecg', 'ecg-findings');
    const error = announced('ecg3', 'ecg-error');
    el('ecg').shadowRoot.querySelector('.sample').click();
    const [second, third] = await Promise.allSettled([
      el('ecg2').screenFiles(make('00001_hr')),
      el('ecg3').screenFiles(make('00003_hr').slice(0, 1)),  // the header without its signal file
    ]);
    const shown = (id) => el(id).shadowRoot.querySelector('.heart-rate').textContent;
    const first = await sample;
    return {
      first: { record: first.record, age: first.age, sex: first.sex, beats: first.rpeaks.length },
      second: { record: second.value.record, age: second.value.age, sex: second.value.sex, beats: second.value.rpeaks.length },
      third: { status: third.status, message: third.reason.message, announced: await error },
      shown: ['ecg', 'ecg2', 'ecg3'].map(shown),
    };
  }, FILES);
  assert.deepEqual(results.first, { record: '00003_hr', age: 37, sex: 'female', beats: 11 });
  assert.deepEqual(results.second, { record: '00001_hr', age: 56, sex: 'male', beats: 11 });
  assert.equal(results.third.status, 'rejected');
  assert.match(results.third.message, /00003_hr\.dat.*not among the files given/);
  assert.equal(results.third.announced.message, results.third.message);
  assert.deepEqual(results.shown, ['64 bpm', '64 bpm', '–']);
  assert.equal(page.workers().length, 1);
  assert.equal(requestsOf('/ecg-core.wasm'), 1);
  for (const model of ['mobilenet1d-12', 'mobilenet1d-6', 'mobilenet1d-3', 'mobilenet1d-2', 'rhythm-1']) {
    assert.ok(requestsOf(`/models/${model}.safetensors`) <= 1, `${model} fetched more than once`);
  }
});

test('the bridge queues every request: one aborted while waiting is dropped, one aborted while running gets an AbortError', async () => {
  const { page } = app;
  const r = await page.evaluate(async (files) => {
    const engine = document.getElementById('ecg').engine;
    const make = (record) => files[record].map((f) => ({ name: f.name, bytes: new Uint8Array(f.bytes) }));
    const sent = () => window.posted.filter((type) => type === 'screen').length;
    const outcome = (p) => p.then((v) => ({ record: v.findings.record }), (e) => ({ error: e.name, message: e.message }));
    const start = sent();
    const a = outcome(engine.screen(make('00003_hr')));
    const waiting = new AbortController();
    const b = outcome(engine.screen(make('00001_hr'), {}, { signal: waiting.signal }));
    const c = outcome(engine.screen(make('00001_hr')));
    const pre = outcome(engine.screen(make('00003_hr'), {}, { signal: AbortSignal.abort() }));
    const queuedBefore = engine.queued;
    const sentBefore = sent() - start;
    waiting.abort();
    const queuedAfter = engine.queued;
    const first = await Promise.all([a, b, c, pre]);
    const sentFirst = sent() - start;
    // The queue is empty: the next request is sent at once, and aborted while the worker screens it.
    const running = new AbortController();
    const order = [];
    const d = outcome(engine.screen(make('00001_hr'), {}, { signal: running.signal })).then((v) => (order.push('d'), v));
    const e = outcome(engine.screen(make('00003_hr'))).then((v) => (order.push('e'), v));
    const dSent = sent() - start - sentFirst;
    running.abort();
    const second = await Promise.all([d, e]);
    return { queuedBefore, sentBefore, queuedAfter, first, sentFirst, dSent, second, order, sentAll: sent() - start, left: engine.queued };
  }, FILES);
  assert.equal(r.queuedBefore, 3, 'a running, b and c waiting (the pre-aborted one never queued)');
  assert.equal(r.sentBefore, 1, 'only the first request goes to the worker while it is busy');
  assert.equal(r.queuedAfter, 2);
  assert.deepEqual(r.first.map((o) => o.record ?? o.error), ['00003_hr', 'AbortError', '00001_hr', 'AbortError']);
  assert.match(r.first[1].message, /'screen' request was cancelled/);
  assert.equal(r.sentFirst, 2, 'the two aborted before they ran never reached the worker');
  assert.equal(r.dSent, 1, 'with the queue empty the request was sent at once (running when aborted)');
  assert.deepEqual(r.second.map((o) => o.record ?? o.error), ['AbortError', '00003_hr'], "the running request's late answer is not given to the next");
  assert.deepEqual(r.order, ['d', 'e'], 'the running request is answered before the worker finishes it');
  assert.equal(r.sentAll, 4);
  assert.equal(r.left, 0);
});

test("an element's own signal cancels its screening without an error event", async () => {
  const { page } = app;
  const r = await page.evaluate(async (files) => {
    const element = document.getElementById('ecg2');
    let errors = 0;
    element.addEventListener('ecg-error', () => errors++);
    const make = (record) => files[record].map((f) => ({ name: f.name, bytes: new Uint8Array(f.bytes) }));
    const outcome = await element.screenFiles(make('00001_hr'), { signal: AbortSignal.abort() }).then(() => 'resolved', (e) => e.name);
    return { outcome, errors, status: element.shadowRoot.querySelector('.status').textContent };
  }, FILES);
  assert.deepEqual(r, { outcome: 'AbortError', errors: 0, status: 'Cancelled: 00001_hr.hea, 00001_hr.dat.' });
});

test('the element screens files handed to it by the portal and reports bad ones', async () => {
  const { page } = app;
  const hea = [...readFileSync(`${FIXTURES}wfdb/00003_hr.hea`)];
  const dat = [...readFileSync(`${FIXTURES}wfdb/00003_hr.dat`)];
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

test('a moved element keeps the engine; when the last element leaves, the worker stops; a new one starts it again', async () => {
  const { page } = app;
  const moved = await page.evaluate(() => {
    const element = document.getElementById('ecg3');
    const engine = element.engine;
    document.body.prepend(element);  // disconnected and connected again at once
    return element.engine === engine && element.engine === document.getElementById('ecg').engine;
  });
  assert.equal(moved, true);
  assert.equal(page.workers().length, 1);
  const closed = page.workers()[0].waitForEvent('close', { timeout: 10_000 });
  await page.evaluate((ids) => { for (const id of ids) document.getElementById(id).remove(); }, IDS);
  await closed;
  assert.equal(page.workers().length, 0);
  const findings = await page.evaluate(async () => {
    const element = Object.assign(document.createElement('ecg-screen'), { id: 'again' });
    element.setAttribute('sample', '');
    document.body.append(element);
    const result = new Promise((resolve) => element.addEventListener('ecg-findings', (e) => resolve(e.detail), { once: true }));
    const button = element.shadowRoot.querySelector('.sample');
    while (button.disabled) await new Promise((r) => setTimeout(r, 50));
    button.click();
    return result;
  });
  assert.equal(findings.record, '00003_hr');
  assert.equal(page.workers().length, 1);
});

test('the embedded elements make no request outside the portal origin and log no error', () => {
  assert.deepEqual(foreignRequests(app.requests, app.server.url), []);
  assert.deepEqual(app.errors, []);
});

test('the element works from the npm package: a portal serves the unpacked tarball and screens the sample', async () => {
  const ROOT = fileURLToPath(new URL('../../', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'ecg-screen-element-package-'));
  let server;
  const page = await app.context.newPage();
  try {
    const pack = spawnSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(pack.status, 0, pack.stderr);
    const tarball = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('[')))[0].filename;
    assert.equal(spawnSync('tar', ['-xzf', join(dir, tarball), '-C', dir]).status, 0);
    server = await startServer({ port: 0, root: join(dir, 'package') });  // its web/ and models/ as they are
    const requests = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.route(`${server.url}portal.html`, (route) => route.fulfill({ body: PORTAL, contentType: 'text/html' }));
    await page.goto(`${server.url}portal.html`);
    const findings = await page.evaluate(() => new Promise((resolve) => {
      const element = document.getElementById('ecg');
      element.addEventListener('ecg-findings', (event) => resolve(event.detail), { once: true });
      const button = element.shadowRoot.querySelector('.sample');
      const click = () => (button.disabled ? setTimeout(click, 50) : button.click());
      click();
    }));
    assert.equal(findings.record, '00003_hr');
    assert.equal(findings.model?.name, 'mobilenet1d-12');
    assert.equal(findings.age, 37);
    assert.equal(page.workers().length, 1);
    assert.deepEqual(foreignRequests(requests, server.url), []);
  } finally {
    await page.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

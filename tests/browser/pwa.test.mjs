// The app as an installable web app, judged by Chromium itself: in a persistent profile (installation
// needs one), the web app manifest parses without errors, CDP's Page.getInstallabilityErrors reports
// none (and reports 'no-manifest' for a page without one, so the check is live), the service worker
// caches the manifest and its icons, and once installed (CDP PWA.install) and launched, the app
// reloads and screens the sample with the network off, every file served by the service worker.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { startServer } from '../../tools/serve.mjs';
import { CHROMIUM, foreignRequests } from './helpers.mjs';

const MANIFEST = JSON.parse(readFileSync(fileURLToPath(new URL('../../web/manifest.webmanifest', import.meta.url)), 'utf8'));
let server;
let profile;
let context;
let page;
let cdp;
const requests = [];
const errors = [];

before(async () => {
  server = await startServer({ port: 0 });
  profile = mkdtempSync(join(tmpdir(), 'ecg-screen-pwa-'));
  // The flags of helpers.mjs's openApp(), in a persistent context (its profile keeps the installed app).
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    viewport: { width: 1280, height: 1400 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
  context.on('request', (request) => requests.push(request.url()));
  context.on('page', (p) => p.on('pageerror', (error) => errors.push(error.message)));
  page = context.pages()[0] ?? await context.newPage();
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  await page.goto(server.url);
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  cdp = await context.newCDPSession(page);
});
after(async () => {
  await context?.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('the page links a web app manifest that Chromium parses without errors', async () => {
  const manifest = await cdp.send('Page.getAppManifest');
  assert.equal(manifest.url, `${server.url}web/manifest.webmanifest`);
  assert.deepEqual(manifest.errors, []);
  const parsed = JSON.parse(manifest.data);
  assert.equal(parsed.display, 'standalone');
  assert.ok(parsed.name && parsed.short_name && parsed.theme_color && parsed.background_color);
  assert.equal(new URL(parsed.start_url, manifest.url).href, server.url);
  assert.equal(manifest.manifestId ?? server.url, server.url);
  // Icons of 192 and 512 px that are what they claim: PNGs whose header gives those sizes.
  for (const size of [192, 512]) {
    const icon = parsed.icons.find((i) => i.sizes === `${size}x${size}` && i.type === 'image/png');
    assert.ok(icon, `no ${size}x${size} PNG icon in the manifest`);
    const response = await page.request.get(new URL(icon.src, manifest.url).href);
    assert.equal(response.headers()['content-type'], 'image/png');
    const png = await response.body();
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [size, size]);
  }
  assert.equal(await page.$eval('meta[name="theme-color"]', (m) => m.content), MANIFEST.theme_color);
});

// Pages that the checks must reject, on another origin (127.0.0.1, answered by the test itself): under
// the app's origin its service worker would answer any navigation with the app's own page.
const CONTROL_PAGES = {
  'no-manifest': '<!doctype html><title>bare</title><p>no manifest',
  'manifest-missing-suitable-icon': '<!doctype html><title>no icons</title><link rel="manifest" href="m.webmanifest"><p>manifest without icons',
};

test("Chromium's installability check reports no errors (and reports those of pages that lack what it needs)", async () => {
  assert.deepEqual((await cdp.send('Page.getInstallabilityErrors')).installabilityErrors, []);
  const control = `http://127.0.0.1:${new URL(server.url).port}/`;
  await context.route(`${control}**`, (route) => {
    const path = new URL(route.request().url()).pathname.slice(1);
    if (path === 'm.webmanifest') return route.fulfill({ body: JSON.stringify({ name: 'x', start_url: './', display: 'standalone' }), contentType: 'application/manifest+json' });
    return route.fulfill({ body: CONTROL_PAGES[path.replace('.html', '')] ?? 'not found', contentType: 'text/html', status: path.endsWith('.html') ? 200 : 404 });
  });
  for (const expected of Object.keys(CONTROL_PAGES)) {
    const bare = await context.newPage();
    try {
      await bare.goto(`${control}${expected}.html`);
      const ids = (await (await context.newCDPSession(bare)).send('Page.getInstallabilityErrors')).installabilityErrors.map((e) => e.errorId);
      assert.ok(ids.includes(expected), `expected '${expected}', got ${JSON.stringify(ids)}`);
    } finally {
      await bare.close();
    }
  }
});

test('the service worker caches the manifest and every icon it names', async () => {
  const cached = await page.evaluate(async (icons) => {
    const names = await caches.keys();
    const cache = await caches.open(names.find((n) => n.startsWith('ecg-screen-')));
    const has = async (url) => !!(await cache.match(new URL(url, location.href).href));
    return { manifest: await has('web/manifest.webmanifest'), icons: await Promise.all(icons.map((i) => has(`web/${i.src}`))) };
  }, MANIFEST.icons);
  assert.deepEqual(cached, { manifest: true, icons: MANIFEST.icons.map(() => true) });
});

test('installed and launched, the app works offline: reload with the network off and screen the sample', async () => {
  const manifestId = (await cdp.send('Page.getAppManifest')).manifestId ?? server.url;
  await assert.rejects(cdp.send('PWA.getOsAppState', { manifestId }), /Unknown web-app manifest id/, 'installed before PWA.install');
  await cdp.send('PWA.install', { manifestId });
  await cdp.send('PWA.getOsAppState', { manifestId });  // rejects unless the app is installed
  const launched = context.waitForEvent('page');
  await cdp.send('PWA.launch', { manifestId });
  const app = await launched;
  app.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  await app.waitForLoadState();
  assert.equal(app.url(), server.url);
  await app.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
  const fromNetwork = [];
  app.on('response', (response) => { if (!response.fromServiceWorker() && !response.url().startsWith('data:')) fromNetwork.push(response.url()); });
  await context.setOffline(true);
  try {
    await app.reload();
    await app.waitForSelector('#screen-sample:not([disabled])', { timeout: 30_000 });
    await app.click('#screen-sample');
    await app.waitForFunction(() => /\d+ bpm/.test(document.getElementById('heart-rate').textContent), null, { timeout: 30_000 });
    assert.match(await app.textContent('#heart-rate'), /^6[34] bpm$/);
    assert.match(await app.textContent('#model-used'), /^mobilenet1d-12 /);
  } finally {
    await context.setOffline(false);
  }
  assert.deepEqual(fromNetwork, [], 'offline, these came from the network, not the service worker');
  const control = `http://127.0.0.1:${new URL(server.url).port}/`;
  assert.deepEqual(foreignRequests(requests.filter((url) => !url.startsWith(control)), server.url), [], 'requests left the page origin');
  assert.deepEqual(errors, [], 'the app logged errors');
});

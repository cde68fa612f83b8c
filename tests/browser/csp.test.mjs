// The Content-Security-Policy reaches every file as an HTTP header (tools/serve.mjs), and the Web
// Worker that parses untrusted files runs under it in real Chromium: code injected into the worker
// can fetch from the app's own origin but not from another one (a second local server, which must see
// no request), and cannot eval. The single-file page (dist/ecg-screen.html) keeps its own policy.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { CONTENT_SECURITY_POLICY } from '../../tools/serve.mjs';
import { openApp } from './helpers.mjs';

let app;
let outside;
let outsideHits = 0;
let outsideUrl;

before(async () => {
  // Another origin (another port) that would answer anything; the worker must never reach it.
  outside = createServer((req, res) => {
    outsideHits++;
    res.writeHead(200, { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'text/plain' });
    res.end('exfiltrated');
  });
  await new Promise((ok) => outside.listen(0, '127.0.0.1', ok));
  outsideUrl = `http://127.0.0.1:${outside.address().port}/leak`;
  app = await openApp();
});
after(async () => {
  await app?.close();
  await new Promise((ok) => outside.close(ok));
});

test('every file is served with the policy as a header, 404s included', async () => {
  for (const path of ['', 'index.html', 'web/worker.js', 'sw.js', 'web/app.js', 'web/gen/ecg-core.mjs', 'web/gen/ecg-core.wasm', 'no-such-file']) {
    const res = await fetch(app.server.url + path);
    assert.equal(res.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY, path);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    await res.arrayBuffer();
  }
  assert.match(CONTENT_SECURITY_POLICY, /script-src 'self' 'wasm-unsafe-eval';/);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /'unsafe-eval'|'unsafe-inline'|\*/);
  // The page's <meta> policy says the same (for hosts that cannot send headers).
  const meta = readFileSync(fileURLToPath(new URL('../../index.html', import.meta.url)), 'utf8').match(/http-equiv="Content-Security-Policy"\s+content="([^"]*)"/)[1];
  assert.equal(`${meta}; frame-ancestors 'none'`, CONTENT_SECURITY_POLICY);
});

test('the engine worker runs under the policy: an injected outside fetch and eval are blocked', async () => {
  const { page } = app;
  const workerReady = page.waitForEvent('worker', { predicate: (w) => w.url().endsWith('/web/worker.js'), timeout: 30_000 });
  await page.goto(app.server.url);
  const worker = await workerReady;
  await page.waitForSelector('#screen-sample:not([disabled])', { timeout: 60_000 });  // the core loaded under the policy
  const result = await worker.evaluate(async ({ outsideUrl, ownUrl }) => {
    const violations = [];
    self.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    const attempt = (url) => fetch(url).then((r) => `fetched ${r.status}`, (e) => `blocked: ${e.name}`);
    const own = await attempt(ownUrl);
    const foreign = await attempt(outsideUrl);
    let evaluated;
    try {
      evaluated = `evaluated ${self.eval('6 * 7')}`;
    } catch (e) {
      evaluated = `blocked: ${e.name}`;
    }
    let fn;
    try {
      fn = `constructed ${new Function('return 1')()}`;
    } catch (e) {
      fn = `blocked: ${e.name}`;
    }
    await new Promise((ok) => setTimeout(ok, 200));  // violation events are queued
    return { own, foreign, evaluated, fn, violations };
  }, { outsideUrl, ownUrl: `${app.server.url}web/icon.svg` });
  assert.equal(result.own, 'fetched 200');
  assert.equal(result.foreign, 'blocked: TypeError');
  assert.equal(result.evaluated, 'blocked: EvalError');
  assert.equal(result.fn, 'blocked: EvalError');
  assert.ok(result.violations.some((v) => v.startsWith('connect-src') && v.includes('127.0.0.1')), JSON.stringify(result.violations));
  assert.equal(outsideHits, 0, 'the outside server was reached');
});

test('the single-file page keeps its own policy (no network at all)', { skip: !existsSync(fileURLToPath(new URL('../../dist/ecg-screen.html', import.meta.url))) && 'dist/ecg-screen.html missing' }, () => {
  const html = readFileSync(fileURLToPath(new URL('../../dist/ecg-screen.html', import.meta.url)), 'utf8');
  const policy = html.match(/http-equiv="Content-Security-Policy" content="([^"]*)"/)[1];
  assert.match(policy, /^default-src 'none'; script-src 'sha256-[^']+' 'wasm-unsafe-eval' blob:; worker-src blob:;/);
  assert.doesNotMatch(policy, /connect-src|'unsafe-eval'|'unsafe-inline'/);
});

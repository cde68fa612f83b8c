// `npm run bench`, part 1: the screening app and the eval CLIs (a benchmark, not a test: nothing
// here asserts time). Writes docs/app-performance.md.
//   1. Page load to first result: a fresh headless Chromium profile (no HTTP cache, no service
//      worker) opens the served app, clicks "Screen the built-in sample" as soon as it is enabled and
//      waits for the heart rate; median of BENCH_APP_RUNS (default 5) loads.
//   2. Transfer size: bytes the page fetched up to its first result (wasm, JS, the default model,
//      other files; the other models, which load after the first screening, apart), as served
//      (uncompressed) and as gzip -9 would send them.
//   3. `ecg-screen eval` records per second per core, native (std::thread) and Node (worker_threads),
//      with 1 and 2 threads, on the first BENCH_EVAL_N (default 60) records of ../shared/data's cinc
//      set (unpacked in $ECG_DATA or ~/.cache/ecg-data).
// usage: node tools/bench/app.mjs   (after bash tools/build.sh native wasm)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import { chromium } from 'playwright-core';

import { startServer } from '../serve.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const RUNS = Number(process.env.BENCH_APP_RUNS ?? 5);
const EVAL_N = Number(process.env.BENCH_EVAL_N ?? 60);
const DATA = process.env.ECG_DATA ?? join(os.homedir(), '.cache/ecg-data');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kib = (x) => `${(x / 1024).toFixed(0)} KiB`;
// The page loads the first model of web/gen/models.json (the one with the most leads) before it is
// ready and the others after its first screening (web/worker.js): those are counted apart.
const defaultModel = JSON.parse(readFileSync(`${root}web/gen/models.json`, 'utf8'))[0].file;
const category = (url) => {
  const path = new URL(url).pathname;
  if (path.endsWith('.wasm')) return 'wasm';
  if (path.endsWith('.js') || path.endsWith('.mjs')) return 'js';
  if (path.endsWith('.safetensors')) return path.endsWith(`/${defaultModel}`) ? 'model' : 'other models';
  return 'other';
};

// ---- 1 + 2: page load to first result, and what it fetched
async function pageLoads() {
  const server = await startServer({ port: 0 });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
  const runs = [];
  try {
    for (let r = 0; r < RUNS; r++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 1400 } });
      const page = await context.newPage();
      const fetched = new Map();  // path -> bytes, for requests finished before the first result
      let firstResult = false;
      page.on('requestfinished', async (request) => {
        if (firstResult || request.url().startsWith('data:') || request.url().startsWith('blob:')) return;
        const response = await request.response();
        const body = await response?.body().catch(() => null);
        if (body) fetched.set(new URL(request.url()).pathname, body);
      });
      const t0 = Date.now();
      await page.goto(server.url);
      await page.waitForSelector('#screen-sample:not([disabled])', { timeout: 60_000 });
      const ready = Date.now() - t0;
      await page.click('#screen-sample');
      await page.waitForFunction(() => /\d+ bpm/.test(document.getElementById('heart-rate').textContent), null, { timeout: 60_000 });
      const result = Date.now() - t0;
      firstResult = true;
      runs.push({ ready, result, fetched });
      await context.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const fetched = runs.at(-1).fetched;
  const bytes = {};
  for (const [path, body] of fetched) {
    const c = category(`http://x${path}`);
    bytes[c] ??= { raw: 0, gzip: 0, files: [] };
    bytes[c].raw += body.length;
    bytes[c].gzip += gzipSync(body, { level: 9 }).length;
    bytes[c].files.push(path);
  }
  return { runs, bytes };
}

// ---- 3: eval records per second, native and Node, 1 and 2 threads
function evalRates() {
  const source = join(DATA, 'cinc');
  if (!existsSync(source)) return { skipped: `${source} missing (bash ../shared/data/unpack.sh)` };
  const dir = mkdtempSync(join(os.tmpdir(), 'ecg-bench-eval-'));
  try {
    const headers = readdirSync(source).filter((f) => f.endsWith('.hea')).sort().slice(0, EVAL_N);
    for (const h of headers) {
      const stem = h.slice(0, -4);
      for (const f of readdirSync(source).filter((x) => x.startsWith(`${stem}.`))) symlinkSync(join(source, f), join(dir, f));
    }
    const rows = [];
    for (const [runtime, cmd, flag] of [['native', `${root}build/native/ecg-screen`, '--threads'], ['Node (wasm)', process.execPath, '--jobs']]) {
      for (const threads of [1, 2]) {
        const args = runtime === 'native' ? ['eval', '--quiet', flag, String(threads), dir] : [`${root}web/lib/cli.js`, 'eval', '--quiet', flag, String(threads), dir];
        const t0 = performance.now();
        const out = JSON.parse(execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 }));
        const wall = (performance.now() - t0) / 1000;
        rows.push({ runtime, threads, n: out.n_files, wall, perS: out.n_files / wall, metric: out.challenge_metric });
      }
    }
    const seconds = headers.reduce((s, h) => {
      const [, , fs, n] = readFileSync(join(source, h), 'utf8').split('\n')[0].trim().split(/\s+/);
      return s + Number(n) / Number(fs);
    }, 0);
    return { rows, n: headers.length, seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const loadAtStart = os.loadavg()[0];
const loads = await pageLoads();
const evals = evalRates();

const ready = median(loads.runs.map((r) => r.ready));
const result = median(loads.runs.map((r) => r.result));
const b = loads.bytes;
const core = ['wasm', 'js', 'model'].reduce((s, c) => ({ raw: s.raw + (b[c]?.raw ?? 0), gzip: s.gzip + (b[c]?.gzip ?? 0) }), { raw: 0, gzip: 0 });
const all = Object.entries(b).filter(([c]) => c !== 'other models').map(([, v]) => v).reduce((s, c) => ({ raw: s.raw + c.raw, gzip: s.gzip + c.gzip }), { raw: 0, gzip: 0 });
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const sizeRows = ['wasm', 'js', 'model', 'other', 'other models'].filter((c) => b[c]).map((c) =>
  `| ${c} | ${b[c].files.length} | ${kib(b[c].raw)} | ${kib(b[c].gzip)} | ${b[c].files.map((f) => `\`${f.replace(/^\//, '') || 'index.html'}\``).join(', ')} |`);
const evalSection = evals.skipped ? `Not measured: ${evals.skipped}.` : `The first ${evals.n} records (by name) of the cinc set in ../shared/data (${(evals.seconds / 60).toFixed(1)} min of 12-lead ECG;
the shipped models and rules, all leads). Wall time of the whole command, model loading
included.

| runtime | threads | records | wall s | records/s | records/s per thread | challenge metric |
|---|---|---|---|---|---|---|
${evals.rows.map((r) => `| ${r.runtime} | ${r.threads} | ${r.n} | ${r.wall.toFixed(1)} | ${r.perS.toFixed(2)} | ${(r.perS / r.threads).toFixed(2)} | ${r.metric.toFixed(4)} |`).join('\n')}

The challenge metric is the same in every row (the decisions do not depend on the runtime or the
thread count); it is not a held-out score, since these records were in the models' training pool
(see docs/results.md for cross-validated numbers).`;

const doc = `# App performance

Produced by \`npm run bench\` (tools/bench/app.mjs; \`BENCH_APP_RUNS=${RUNS} BENCH_EVAL_N=${EVAL_N}\`), ${new Date().toISOString().slice(0, 10)}, on
${cpu} (${os.cpus().length} logical cores shared with other jobs; 1-minute load average ${loadAtStart.toFixed(2)} when the run
started), Node ${process.version}, Debian Chromium headless. Times on a busy machine are longer: only
compare runs with similar load.

## Page load to first result

A fresh browser profile (nothing cached, no service worker yet) opens the app served by
\`tools/serve.mjs\` on localhost, clicks "Screen the built-in sample" as soon as it is enabled and waits
until the heart rate is shown. Median of ${RUNS} loads:

| step | median ms | all runs (ms) |
|---|---|---|
| page opened → engine ready (button enabled) | ${ready} | ${loads.runs.map((r) => r.ready).join(', ')} |
| page opened → first result shown | **${result}** | ${loads.runs.map((r) => r.result).join(', ')} |

Target: under 1500 ms.

## Transfer size

What the page fetched up to its first result, by kind; "gzip" is the size gzip -9 gives each file
(what a compressing web server would send; \`tools/serve.mjs\` sends files as they are). "model" is
the default model (${defaultModel}, the first in web/gen/models.json: the most leads), loaded before
the engine reports ready; "other models" start loading only once the first screening is done (or 2 s
after the engine is ready), so they are not part of the first result even where they finished
before the page had drawn it.

| kind | files | as served | gzip | files |
|---|---|---|---|---|
${sizeRows.join('\n')}

wasm + JS + default model: **${kib(core.raw)}** as served, **${kib(core.gzip)}** gzip; everything the first result
needed: ${kib(all.raw)} (${kib(all.gzip)} gzip). Target: wasm + JS + default model under 1.5 MB (1536 KiB).
After the first result the service worker fetches the remaining assets for offline use.

## \`ecg-screen eval\` throughput

${evalSection}
`;
writeFileSync(`${root}docs/app-performance.md`, doc);
console.log(`app: first result ${result} ms (engine ready ${ready} ms); wasm+js+model ${kib(core.raw)} (${kib(core.gzip)} gzip)`);
if (!evals.skipped) for (const r of evals.rows) console.log(`eval ${r.runtime} ${r.threads} thread(s): ${r.perS.toFixed(2)} records/s`);

// Per-stage time of screen() in WebAssembly (Node, one thread, the shipped models): reading the record
// from its bytes, then the stages findings.timings reports; the median over the runs after one
// warm-up. The same table natively: build/native/ecg-bench stages <record>. Part of `npm run bench`.
//   node tools/bench/stages.mjs [--repeats 20] [record.hea ...]   (default: the built-in 12-lead sample)
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadEcgScreen } from '../../web/lib/ecg-screen.js';
import { loadRecordFiles } from '../../web/lib/node.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
let repeats = 20;
const records = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--repeats') repeats = Math.max(1, Number(args[++i]));
  else records.push(args[i]);
}
if (!records.length) records.push(join(ROOT, 'tests/fixtures/wfdb/00003_hr.hea'));

const ecg = await loadEcgScreen();
const order = ['read', 'quality', 'rpeaks', 'delineation', 'rules', 'measurements', 'preprocess', 'model'];
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0;
console.log(`| record | leads x samples | fs (Hz) | ${order.map((o) => `${o} ms`).join(' | ')} | screen() ms | all but model ms |`);
console.log(`|${'---|'.repeat(order.length + 5)}`);
for (const path of records) {
  const files = await loadRecordFiles(ecg, path);
  const ms = Object.fromEntries([...order, 'screen', 'butModel'].map((k) => [k, []]));
  let record;
  for (let run = 0; run <= repeats; run++) {
    const t0 = performance.now();
    record = ecg.readRecord(files);
    const readMs = performance.now() - t0;
    const t1 = performance.now();
    const findings = ecg.screen(record);
    const total = performance.now() - t1;
    if (run === 0 && repeats > 1) continue;  // warm-up
    ms.read.push(readMs);
    for (const o of order.slice(1)) ms[o].push(findings.timings[`${o}_ms`] ?? 0);
    ms.screen.push(total);
    ms.butModel.push(total - (findings.timings.model_ms ?? 0));
  }
  const cells = order.map((o) => median(ms[o]).toFixed(2));
  console.log(`| ${record.name ?? basename(path)} | ${record.leads.length} x ${record.nSamples} | ${record.fsHz} | ${cells.join(' | ')} | ${median(ms.screen).toFixed(2)} | ${median(ms.butModel).toFixed(2)} |`);
}
console.log(`\nNode ${process.version}, WebAssembly SIMD, one thread; ${repeats} runs per record after one warm-up; wasm heap ${(ecg.module.HEAP8.length / 2 ** 20).toFixed(1)} MiB.`);

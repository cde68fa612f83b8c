// Before/after for engine work: two builds of the WebAssembly engine (and onnxruntime-web, the
// reference peer) timed alternately, run by run, in one Node process, on the benchmark models of
// tools/bench/run.mjs (build/bench/, written by `node tools/bench/run.mjs` or
// `/usr/bin/python3 -m tools.bench.export_models build/bench`). On a shared machine only ratios
// measured this way mean much; CPU time (process.cpuUsage) leaves out the waits for a CPU.
//   cp web/gen/ecg-core.wasm build/bench/before.wasm     # before the change
//   ... change, bash tools/build.sh wasm ...
//   node tools/bench/compare_wasm.mjs build/bench/before.wasm [models, comma-separated] [seconds per model]
// Both builds must share the JS glue of web/gen (the same Embind bindings).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { loadEcgScreen } from '../../web/lib/ecg-screen.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = `${root}build/bench/`;
const [beforePath, models = 'lrhnet-12,seresnet-12,mobilenet1d-12,leadwise-12', seconds = '10'] = process.argv.slice(2);
if (!beforePath) {
  console.error('usage: node tools/bench/compare_wasm.mjs <before.wasm> [models] [seconds per model]');
  process.exit(2);
}
const before = await loadEcgScreen({ wasmBinary: readFileSync(beforePath), models: [] });
const after = await loadEcgScreen({ models: [] });
const ort = await import('onnxruntime-web');
ort.env.wasm.numThreads = 1;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const name of models.split(',')) {
  const bytes = readFileSync(`${dir}${name}.safetensors`);
  const mb = before.loadModel(bytes), ma = after.loadModel(bytes);
  const raw = readFileSync(`${dir}${name}.input.bin`);
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const len = ma.info.input_len, n = ma.info.leads.length * len;
  const inputs = { ecg: all.slice(0, n), demographics: all.slice(n, n + 5) };
  const session = await ort.InferenceSession.create(readFileSync(`${dir}${name}.onnx`), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const feeds = { ecg: new ort.Tensor('float32', inputs.ecg, [1, ma.info.leads.length, len]), demographics: new ort.Tensor('float32', inputs.demographics, [1, 5]) };
  const ob = mb.run(inputs)[mb.info.outputs[0]], oa = ma.run(inputs)[ma.info.outputs[0]];
  const diff = Math.max(...oa.map((v, i) => Math.abs(v - ob[i])));
  const t = { before: { wall: [], cpu: [] }, after: { wall: [], cpu: [] }, ort: { wall: [], cpu: [] } };
  const timed = async (key, f) => {
    const c0 = process.cpuUsage(), t0 = performance.now();
    await f();
    t[key].wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    t[key].cpu.push((c.user + c.system) / 1000);
  };
  for (let i = 0; i < 3; ++i) {
    mb.run(inputs);
    ma.run(inputs);
    await session.run(feeds);
  }
  const end = performance.now() + Number(seconds) * 1000;
  for (let i = 0; t.before.wall.length < 20 || performance.now() < end; ++i) {
    const pair = [['before', () => mb.run(inputs)], ['after', () => ma.run(inputs)]];
    for (const [key, f] of i % 2 ? pair : pair.reverse()) await timed(key, f);  // alternate which goes first
    await timed('ort', () => session.run(feeds));
  }
  const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, { wall: median(v.wall), cpu: median(v.cpu) }]));
  console.log(`${name}: ${t.before.wall.length} runs each; outputs of the two builds differ by at most ${diff.toExponential(2)}`);
  for (const kind of ['wall', 'cpu']) {
    console.log(`  ${kind.padEnd(4)} ms: before ${m.before[kind].toFixed(2)}, after ${m.after[kind].toFixed(2)}, ORT ${m.ort[kind].toFixed(2)}; ` +
      `before / after ${(m.before[kind] / m.after[kind]).toFixed(3)}, ORT / before ${(m.ort[kind] / m.before[kind]).toFixed(3)}, ORT / after ${(m.ort[kind] / m.after[kind]).toFixed(3)}`);
  }
  mb.delete();
  ma.delete();
  await session.release();
}

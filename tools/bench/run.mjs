// `npm run bench`: the nn engine against the runtimes a user would pick instead, all in one run on
// this machine with the same models and inputs (a benchmark, not a test: nothing here asserts time).
//   WebAssembly, one thread, in Node: this engine (simd kernels) vs onnxruntime-web (wasm backend,
//     1 thread, the same PyTorch module exported to ONNX).
//   Native: this engine's SIMD kernels vs its XNNPACK backend vs PyTorch CPU (1 thread).
// Models: full-size architectures with random weights from tools/bench/export_models.py (12 leads;
// 4096 samples for LRH-Net and the SE-ResNet teacher, 5000 for the 500-Hz models).
// Writes docs/performance.md; the last line printed is machine-readable:
//   lrhnet-12 wasm_ms=<x> ort_ms=<y> ratio_vs_ort=<y/x>
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

import { loadEcgScreen } from '../../web/lib/ecg-screen.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = `${root}build/bench/`;
const MODELS = ['lrhnet-12', 'seresnet-12', 'mobilenet1d-12', 'leadwise-12'];
const MIN_S = Number(process.env.BENCH_MIN_S ?? 2);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

if (!existsSync(`${dir}pytorch.json`) || process.argv.includes('--export')) {
  console.log('bench: exporting models (PyTorch → safetensors + ONNX) and timing PyTorch CPU, 1 thread');
  execFileSync('/usr/bin/python3', ['-m', 'tools.bench.export_models', dir], { cwd: root, stdio: 'inherit' });
}
const pytorch = JSON.parse(readFileSync(`${dir}pytorch.json`, 'utf8'));

function readInput(name, info) {
  const raw = readFileSync(`${dir}${name}.input.bin`);
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const n = info.leads.length * info.input_len;
  return { ecg: all.slice(0, n), demographics: all.slice(n, n + 5) };
}

// ---- native
const native = {};
const benchBin = `${root}build/native/ecg-nn-bench`;
if (existsSync(benchBin)) {
  for (const name of MODELS) {
    const out = execFileSync(benchBin, [`${dir}${name}.safetensors`, `${dir}${name}.input.bin`, String(MIN_S)], { encoding: 'utf8' });
    for (const line of out.trim().split('\n')) {
      const r = JSON.parse(line);
      (native[name] ??= {})[r.backend] = r;
    }
  }
} else {
  console.log(`bench: ${benchBin} missing (bash tools/build.sh native); native rows skipped`);
}

// ---- WebAssembly: this engine and onnxruntime-web (wasm backend, one thread), timed alternately
// run by run, so that load from other processes on a shared machine hits both alike.
const ecg = await loadEcgScreen();
const ort = await import('onnxruntime-web');
ort.env.wasm.numThreads = 1;
ort.env.wasm.simd = true;
const wasm = {};
const ortRes = {};
for (const name of MODELS) {
  const model = ecg.loadModel(readFileSync(`${dir}${name}.safetensors`));
  const inputs = readInput(name, model.info);
  const n = model.info.input_len;
  const session = await ort.InferenceSession.create(readFileSync(`${dir}${name}.onnx`), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const feeds = { ecg: new ort.Tensor('float32', inputs.ecg, [1, 12, n]), demographics: new ort.Tensor('float32', inputs.demographics, [1, 5]) };
  for (let i = 0; i < 3; ++i) {
    model.run(inputs);
    await session.run(feeds);
  }
  const te = [], to = [];
  const end = performance.now() + 2 * MIN_S * 1000;
  while (te.length < 10 || performance.now() < end) {
    let t0 = performance.now();
    model.run(inputs);
    te.push(performance.now() - t0);
    t0 = performance.now();
    await session.run(feeds);
    to.push(performance.now() - t0);
  }
  wasm[name] = { ms: median(te), runs: te.length, flops: model.info.flops_per_window, arena: model.arenaBytes, heap: model.heapBytes, out0: model.run(inputs)[model.info.outputs[0]][0] };
  const out = await session.run(feeds);
  ortRes[name] = { ms: median(to), runs: to.length, out0: out[session.outputNames[0]].data[0] };
  model.delete();
  await session.release?.();
}

// ---- this machine's wasm-simd fp32 peak (f32x4 mul + add; no FMA in wasm-simd128)
let peak;
try {
  execFileSync('bash', ['-c', `. tools/setup.sh --env >/dev/null && em++ -O3 -msimd128 -sENVIRONMENT=node tools/bench/wasm_peak.cpp -o ${dir}wasm_peak.js`], { cwd: root, stdio: 'inherit' });
  const out = execFileSync('node', ['tools/run-wasm-test.mjs', `${dir}wasm_peak.js`], { cwd: root, encoding: 'utf8' });
  peak = Number(out.match(/wasm_simd_peak_gflops=([\d.]+)/)[1]);
} catch (e) {
  console.log(`bench: wasm peak not measured (${e.message.split('\n')[0]})`);
}

// ---- report
const f2 = (x) => (x === undefined ? '–' : x.toFixed(2));
const f3 = (x) => (x === undefined ? '–' : x.toFixed(3));
const mb = (x) => (x / 2 ** 20).toFixed(1);
const lines = [];
lines.push('| model | MFLOP/record | wasm engine ms | wasm GFLOP/s | ORT-web wasm ms | ORT / engine | % of wasm peak | wasm heap MiB (arena MiB) | native SIMD ms | native GFLOP/s | XNNPACK ms | PyTorch 1t ms | XNNPACK / SIMD | PyTorch / SIMD |');
lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const name of MODELS) {
  const w = wasm[name], o = ortRes[name], nat = native[name] ?? {}, p = pytorch[name];
  const simd = nat.simd, xnn = nat.xnnpack;
  lines.push(`| ${name} | ${(w.flops / 1e6).toFixed(1)} | ${f2(w.ms)} | ${f2(w.flops / w.ms / 1e6)} | ${f2(o.ms)} | ${f2(o.ms / w.ms)} | ${peak ? (100 * w.flops / w.ms / 1e6 / peak).toFixed(0) : '–'} | ${mb(w.heap)} (${mb(w.arena)}) | ${f2(simd?.ms)} | ${f2(simd?.gflops)} | ${f2(xnn?.ms)} | ${f2(p?.ms)} | ${xnn && simd ? f2(xnn.ms / simd.ms) : '–'} | ${p && simd ? f2(p.ms / simd.ms) : '–'} |`);
}
const check = MODELS.map((n) => `${n}: engine ${f3(wasm[n].out0)}, ORT ${f3(ortRes[n].out0)}, native ${f3(native[n]?.simd?.out0)}, XNNPACK ${f3(native[n]?.xnnpack?.out0)}`);
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const doc = `# nn engine performance

Produced by \`npm run bench\` (tools/bench/run.mjs; \`BENCH_MIN_S=${MIN_S}\`), ${new Date().toISOString().slice(0, 10)}, on ${cpu}
(${os.cpus().length} logical cores shared with other jobs, Node ${process.version}, one thread everywhere).
Models: full-size architectures from tools/train/models.py with random weights (speed does not depend on
the weights), 12 leads, batch 1: LRH-Net and the SE-ResNet teacher (width 0.25) at 4096 samples, the
MobileNet-style 1D CNN and the lead-wise multi-branch CNN at 5000. Median ms per record over at least
${MIN_S} s. GFLOP/s = 2·MAC of the convolutions and linear layers / time. "wasm heap" is the size of the
engine's WebAssembly memory after the run (it never shrinks: the high-water mark); "arena" is the
activation + scratch plan of that model.

${lines.join('\n')}

onnxruntime-web ${JSON.parse(readFileSync(`${root}node_modules/onnxruntime-web/package.json`, 'utf8')).version} (wasm backend, numThreads 1, SIMD) runs the same PyTorch module exported with
torch.onnx (opset 13). @tensorflow/tfjs-backend-wasm is not benchmarked yet (see "Not done").
PyTorch: Debian python3-torch ${'1.13'} CPU, torch.set_num_threads(1), eval, no_grad.

wasm-simd fp32 peak of this machine, measured by tools/bench/wasm_peak.cpp (12 independent f32x4
mul+add chains in Node): ${peak ? peak.toFixed(2) : '–'} GFLOP/s. "% of wasm peak" divides the whole
model's GFLOP/s by it, so it is a lower bound for the convolution layers alone (the time also
includes pooling, SE, batch-norm and the head, whose FLOPs are not counted).

Same first logit everywhere (a sanity check that all runtimes ran the same model):
${check.map((c) => `- ${c}`).join('\n')}

Last line of the benchmark:

    lrhnet-12 wasm_ms=${f3(wasm['lrhnet-12'].ms)} ort_ms=${f3(ortRes['lrhnet-12'].ms)} ratio_vs_ort=${f3(ortRes['lrhnet-12'].ms / wasm['lrhnet-12'].ms)}
`;
const existing = existsSync(`${root}docs/performance.md`) ? readFileSync(`${root}docs/performance.md`, 'utf8') : '';
const notes = existing.includes('\n## Notes') ? existing.slice(existing.indexOf('\n## Notes')) : '';
writeFileSync(`${root}docs/performance.md`, doc + notes);
console.log(lines.join('\n'));
console.log(check.join('\n'));
console.log(`lrhnet-12 wasm_ms=${f3(wasm['lrhnet-12'].ms)} ort_ms=${f3(ortRes['lrhnet-12'].ms)} ratio_vs_ort=${f3(ortRes['lrhnet-12'].ms / wasm['lrhnet-12'].ms)}`);

// `npm run bench`: the nn engine against the runtimes a user would pick instead, all in one run on
// this machine with the same models and inputs (a benchmark, not a test: nothing here asserts time).
//   WebAssembly, one thread, in Node: this engine (simd kernels) vs onnxruntime-web (wasm backend,
//     1 thread, the same PyTorch module exported to ONNX) vs @tensorflow/tfjs-backend-wasm (XNNPACK
//     inside, 1 thread, our model file run as tfjs ops by tools/bench/tfjs_model.mjs); and the
//     engine's per-step profile: the convolution layers' GFLOP/s and % of the wasm-simd peak.
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
import { buildTfjsModel, loadTfjsWasm, readModelFile } from './tfjs_model.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = `${root}build/bench/`;
const MODELS = ['lrhnet-12', 'seresnet-12', 'mobilenet1d-12', 'leadwise-12'];
const MIN_S = Number(process.env.BENCH_MIN_S ?? 2);
const LAYER_MODEL = 'lrhnet-12';  // the model whose per-step wasm profile is written out

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

// ---- WebAssembly: this engine, onnxruntime-web (wasm backend, one thread) and tfjs-backend-wasm (XNNPACK
// inside, one thread), timed alternately run by run, so that load from other processes on a shared
// machine hits all alike. Then the engine alone with per-step profiling, for the convolutions' share.
const ecg = await loadEcgScreen();
const ort = await import('onnxruntime-web');
ort.env.wasm.numThreads = 1;
ort.env.wasm.simd = true;
let tfjs;
try {
  tfjs = await loadTfjsWasm();
  if (!tfjs.simd || tfjs.threads !== 1) throw new Error(`simd ${tfjs.simd}, threads ${tfjs.threads}: expected SIMD on and one thread`);
} catch (e) {
  console.log(`bench: tfjs-backend-wasm not benchmarked (${e.message.split('\n')[0]})`);
  tfjs = undefined;
}
const wasm = {};
const ortRes = {};
const tfjsRes = {};
const layers = {};
const firstLogits = (out) => Array.from(out.slice(0, 8));
const maxDiff = (a, b) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
for (const name of MODELS) {
  const bytes = readFileSync(`${dir}${name}.safetensors`);
  const model = ecg.loadModel(bytes);
  const inputs = readInput(name, model.info);
  const n = model.info.input_len;
  const session = await ort.InferenceSession.create(readFileSync(`${dir}${name}.onnx`), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const feeds = { ecg: new ort.Tensor('float32', inputs.ecg, [1, 12, n]), demographics: new ort.Tensor('float32', inputs.demographics, [1, 5]) };
  const ours = model.run(inputs)[model.info.outputs[0]];
  // tfjs from the same model file; its logits must equal ours before it is timed
  let tfm;
  if (tfjs) {
    try {
      tfm = buildTfjsModel(tfjs.tf, bytes, n);
      const d = maxDiff(firstLogits(tfm.run(inputs)[model.info.outputs[0]]), firstLogits(ours));
      if (!(d <= 1e-3)) throw new Error(`its first logits differ from the engine's by ${d}`);
      tfjsRes[name] = { diff: d };
    } catch (e) {
      console.log(`bench: ${name}: tfjs not timed (${e.message.split('\n')[0]})`);
      tfm?.dispose();
      tfm = undefined;
    }
  }
  for (let i = 0; i < 3; ++i) {
    model.run(inputs);
    await session.run(feeds);
    tfm?.run(inputs);
  }
  // Wall time and this process's CPU time (user + system) per run: on a shared machine the wall
  // time includes waiting for a CPU, the CPU time does not (every runtime here runs on one thread).
  const te = [], to = [], tt = [], ce = [], co = [], ct = [];
  const timed = async (f, wall, cpu) => {
    const c0 = process.cpuUsage(), t0 = performance.now();
    await f();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  };
  const end = performance.now() + (tfm ? 3 : 2) * MIN_S * 1000;
  while (te.length < 10 || performance.now() < end) {
    await timed(() => model.run(inputs), te, ce);
    await timed(() => session.run(feeds), to, co);
    if (tfm) await timed(() => tfm.run(inputs), tt, ct);
  }
  // Per-step profile: each profiled run on its own (setProfiling(true) clears); per step the fastest
  // run, since on a shared machine a step's median still includes the times the process was
  // preempted in it (a long step is preempted in most runs).
  const { graph } = readModelFile(bytes).doc;
  const stepMs = [];
  let steps, profiledRuns = 0;
  const pend = performance.now() + MIN_S * 1000;
  while (profiledRuns < 100 || performance.now() < pend) {
    model.setProfiling(true);
    model.run(inputs);
    ({ steps } = model.profile());
    steps.forEach((s, i) => (stepMs[i] ??= []).push(s.ms));
    ++profiledRuns;
  }
  model.setProfiling(false);
  layers[name] = steps.map((s, i) => ({ ...s, ops: s.nodes.map((j) => graph.nodes[j].op).join('+'), ms: Math.min(...stepMs[i]) }));
  const conv = layers[name].filter((s) => s.op === 'conv1d');
  wasm[name] = {
    ms: median(te), cpuMs: median(ce), runs: te.length, flops: model.info.flops_per_window, arena: model.arenaBytes, heap: model.heapBytes, out0: ours[0],
    stepsMs: layers[name].reduce((a, s) => a + s.ms, 0), convMs: conv.reduce((a, s) => a + s.ms, 0), convFlops: conv.reduce((a, s) => a + s.flops, 0), profiledRuns,
  };
  const out = await session.run(feeds);
  ortRes[name] = { ms: median(to), cpuMs: median(co), runs: to.length, out0: out[session.outputNames[0]].data[0] };
  if (tfm) {
    Object.assign(tfjsRes[name], { ms: median(tt), cpuMs: median(ct), runs: tt.length, out0: tfm.run(inputs)[model.info.outputs[0]][0] });
    tfm.dispose();
  }
  model.delete();
  await session.release?.();
}

// ---- this machine's wasm-simd fp32 peak (f32x4 mul + add; no FMA in wasm-simd128)
let peak, peakParts;
try {
  execFileSync('bash', ['-c', `. tools/setup.sh --env >/dev/null && em++ -O3 -msimd128 -sENVIRONMENT=node tools/bench/wasm_peak.cpp -o ${dir}wasm_peak.js`], { cwd: root, stdio: 'inherit' });
  const out = execFileSync('node', ['tools/run-wasm-test.mjs', `${dir}wasm_peak.js`], { cwd: root, encoding: 'utf8' });
  const m = out.match(/wasm_simd_peak_gflops=([\d.]+) chains=([\d.]+) tile=([\d.]+)/);
  peak = Number(m[1]);
  peakParts = { chains: Number(m[2]), tile: Number(m[3]) };
} catch (e) {
  console.log(`bench: wasm peak not measured (${e.message.split('\n')[0]})`);
}

// ---- report
const f2 = (x) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(2));
const f3 = (x) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(3));
const f0 = (x) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(0));
const mb = (x) => (x / 2 ** 20).toFixed(1);
const pct = (gflops) => (peak ? f0((100 * gflops) / peak) : '–');
const wasmLines = [
  '| model | MFLOP/record | engine ms | ORT-web ms | ORT / engine | tfjs-wasm ms | tfjs / engine | engine CPU ms | ORT-web CPU ms | ORT / engine (CPU) | tfjs-wasm CPU ms | tfjs / engine (CPU) |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
];
const engineLines = [
  '| model | engine GFLOP/s (% of peak) | engine GFLOP/s on CPU time (% of peak) | engine steps ms | conv layers GFLOP/s (% of peak) | conv share of steps | wasm heap MiB (arena MiB) |',
  '|---|---|---|---|---|---|---|',
];
const nativeLines = [
  '| model | SIMD ms | XNNPACK ms | PyTorch 1t ms | XNNPACK / SIMD | PyTorch / SIMD | SIMD CPU ms | XNNPACK CPU ms | PyTorch CPU ms | XNNPACK / SIMD (CPU) | PyTorch / SIMD (CPU) | SIMD GFLOP/s on CPU time | SIMD steps ms | SIMD conv layers GFLOP/s |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
];
for (const name of MODELS) {
  const w = wasm[name], o = ortRes[name], t = tfjsRes[name] ?? {}, nat = native[name] ?? {}, p = pytorch[name];
  const simd = nat.simd, xnn = nat.xnnpack;
  const g = w.flops / w.ms / 1e6, cg = w.convFlops / w.convMs / 1e6;
  const gc = w.flops / w.cpuMs / 1e6;
  wasmLines.push(`| ${name} | ${(w.flops / 1e6).toFixed(1)} | ${f2(w.ms)} | ${f2(o.ms)} | ${f2(o.ms / w.ms)} | ${f2(t.ms)} | ${f2(t.ms / w.ms)} | ${f2(w.cpuMs)} | ${f2(o.cpuMs)} | ${f2(o.cpuMs / w.cpuMs)} | ${f2(t.cpuMs)} | ${f2(t.cpuMs / w.cpuMs)} |`);
  engineLines.push(`| ${name} | ${f2(g)} (${pct(g)}) | ${f2(gc)} (${pct(gc)}) | ${f2(w.stepsMs)} | ${f2(cg)} (${pct(cg)}) | ${f0((100 * w.convMs) / w.stepsMs)}% | ${mb(w.heap)} (${mb(w.arena)}) |`);
  const r = (a, b) => (a !== undefined && b !== undefined ? f2(a / b) : '–');
  nativeLines.push(`| ${name} | ${f2(simd?.ms)} | ${f2(xnn?.ms)} | ${f2(p?.ms)} | ${r(xnn?.ms, simd?.ms)} | ${r(p?.ms, simd?.ms)} | ${f2(simd?.cpu_ms)} | ${f2(xnn?.cpu_ms)} | ${f2(p?.cpu_ms)} | ${r(xnn?.cpu_ms, simd?.cpu_ms)} | ${r(p?.cpu_ms, simd?.cpu_ms)} | ${simd ? f2(w.flops / simd.cpu_ms / 1e6) : '–'} | ${f2(simd?.steps_ms)} | ${f2(simd?.conv_gflops)} |`);
}
const layerLines = ['| # | ops (fused) | writes | ms | % of the run | GFLOP/s |', '|---|---|---|---|---|---|'];
const total = layers[LAYER_MODEL].reduce((a, s) => a + s.ms, 0);
layers[LAYER_MODEL].forEach((s, i) => {
  layerLines.push(`| ${i} | ${s.ops} | ${s.name} | ${f3(s.ms)} | ${f0((100 * s.ms) / total)} | ${s.flops ? f2(s.flops / s.ms / 1e6) : ''} |`);
});
const check = MODELS.map((n) => `${n}: engine ${f3(wasm[n].out0)}, ORT ${f3(ortRes[n].out0)}, tfjs ${f3(tfjsRes[n]?.out0)}, native ${f3(native[n]?.simd?.out0)}, XNNPACK ${f3(native[n]?.xnnpack?.out0)}`);
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const version = (pkg) => JSON.parse(readFileSync(`${root}node_modules/${pkg}/package.json`, 'utf8')).version;
const lrh = { w: wasm['lrhnet-12'], o: ortRes['lrhnet-12'] };
const lastLine = `lrhnet-12 wasm_ms=${f3(lrh.w.ms)} ort_ms=${f3(lrh.o.ms)} ratio_vs_ort=${f3(lrh.o.ms / lrh.w.ms)}`;
const doc = `# nn engine performance

Produced by \`npm run bench\` (tools/bench/run.mjs; \`BENCH_MIN_S=${MIN_S}\`), ${new Date().toISOString().slice(0, 10)}, on ${cpu}
(${os.cpus().length} logical cores shared with other jobs, Node ${process.version}, one thread everywhere).
Models: full-size architectures from tools/train/models.py with random weights (speed does not depend on
the weights), 12 leads, batch 1: LRH-Net and the SE-ResNet teacher (width 0.25) at 4096 samples, the
MobileNet-style 1D CNN and the lead-wise multi-branch CNN at 5000. Median ms per record; in WebAssembly
the three runtimes are timed alternately, run by run, for at least ${3 * MIN_S} s per model. GFLOP/s = 2·MAC of the
convolutions and linear layers / time.

## WebAssembly, one thread, in Node

${wasmLines.join('\n')}

${engineLines.join('\n')}

- onnxruntime-web ${version('onnxruntime-web')} (wasm backend, numThreads 1, SIMD) runs the same PyTorch module
  exported with torch.onnx (opset 13).
- tfjs-wasm: @tensorflow/tfjs-backend-wasm ${tfjs?.version ?? '–'} (XNNPACK inside, SIMD binary, setThreadsCount(1)) with
  @tensorflow/tfjs-core, running our model file op by op (tools/bench/tfjs_model.mjs: fused conv2d /
  depthwiseConv2d with bias and ReLU, batch-norm after a conv folded; grouped convolutions that are
  not depthwise, as in the lead-wise model, become one conv per group plus a concat). Every model
  here can be expressed; its first logits equal the engine's within 1e-3 before it is timed.
- ms: median wall time per record; CPU ms: median of this process's CPU time (user + system,
  \`process.cpuUsage\`) per record. All three runtimes run on the one Node thread, so CPU time is
  the time a record takes leaving out the waits for a CPU that a machine shared with other jobs
  adds to wall time.
- engine steps ms: the sum over the engine's steps of each step's fastest time in the profiled
  runs (\`NnModel.setProfiling\` / \`profile()\`; ${wasm['lrhnet-12'].profiledRuns} profiled runs of LRH-Net, timed apart from the
  alternating runs). On a shared machine even a step's median includes the times the process was
  preempted in it, so the fastest run per step is the estimate of the step's own time; their sum
  is a little below the engine's CPU ms, as it should be.
- conv layers: the convolution steps' FLOPs / the sum of their fastest times; conv share: their
  part of "engine steps ms". A convolution step includes what is fused into it (bias, batch-norm,
  ReLU, the affine of a batch-norm after the ReLU) and copying its input into padded, stride-split
  rows.
- % of peak: of this machine's wasm-simd fp32 peak, ${peak ? peak.toFixed(2) : '–'} GFLOP/s, the faster of two f32x4
  mul+add loops in Node (tools/bench/wasm_peak.cpp, each the best of hundreds of short repetitions
  in V8's optimised code): 12 dependent chains a = a·m + x, ${peakParts ? peakParts.chains.toFixed(2) : '–'} GFLOP/s, and a 4 × 8
  outer-product tile over L1-resident data, ${peakParts ? peakParts.tile.toFixed(2) : '–'} GFLOP/s. Whole-model GFLOP/s on wall
  time are far below it on this loaded machine; the conv layers' figure, like the peak, is a
  fastest-of-many figure.
- wasm heap: the engine's WebAssembly memory after the run (it never shrinks: the high-water mark);
  arena: the activation + scratch plan of that model.

## Native, one thread

${nativeLines.join('\n')}

SIMD: this engine's kernels (AVX2+FMA where the CPU has it); steps ms and conv layers from the same
per-step profile as in WebAssembly (tools/bench/bench_native.cpp). XNNPACK: the engine's XNNPACK backend (Debian libxnnpack).
PyTorch: Debian python3-torch 1.13 CPU, torch.set_num_threads(1), eval, no_grad.

## Where LRH-Net-12's time goes in WebAssembly

Per step of the engine (fastest ms over the profiled runs; a step runs the fused ops listed):

${layerLines.join('\n')}

## Checks

Same first logit everywhere (a sanity check that all runtimes ran the same model):
${check.map((c) => `- ${c}`).join('\n')}

Last line of the benchmark:

    ${lastLine}
`;
const existing = existsSync(`${root}docs/performance.md`) ? readFileSync(`${root}docs/performance.md`, 'utf8') : '';
const notes = existing.includes('\n## Notes') ? existing.slice(existing.indexOf('\n## Notes')) : '';
writeFileSync(`${root}docs/performance.md`, doc + notes);
console.log(wasmLines.join('\n'));
console.log(engineLines.join('\n'));
console.log(nativeLines.join('\n'));
console.log(layerLines.join('\n'));
console.log(check.join('\n'));
console.log(lastLine);

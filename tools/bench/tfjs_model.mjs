// The benchmark's @tensorflow/tfjs-backend-wasm peer: runs one of our model files (safetensors with
// the ecg_screen graph) as tfjs ops, from the same weights, on the wasm backend (XNNPACK inside,
// SIMD, one thread). Values live channels-last, as XNNPACK wants them: a [C, L] value is a
// [1, 1, L, C] NHWC tensor, a [C] value is [1, C].
//   conv1d          fused conv2d (bias + following ReLU fused; a batch-norm right after it folded into
//                   weights and bias); groups == C_in: fused depthwiseConv2d (channel multiplier
//                   C_out / C_in); other groups: one conv per group on channel slices, then concat;
//                   stride > 1 with dilation > 1 (tfjs allows only one): the filter dilated with zeros
//   batchnorm       batchNorm (not foldable: it follows a ReLU)   relu, sigmoid, add: the same ops
//   mul_channel     mul by the [1, 1, 1, C] scale   global avg/max pool: mean/max over L
//   max/avg_pool1d  maxPool/avgPool with explicit padding   linear: fused matMul (+ ReLU)
//   concat          along channels   flatten: back to channel-major order, then reshape
//   groupnorm       moments per group   mish: x · tanh(softplus(x))
// Every op of the model format can be expressed. Check against the engine before timing
// (tools/bench/run.mjs does): `node tools/bench/tfjs_model.mjs` compares with the golden outputs of
// every tests/fixtures/nn model.
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** tfjs-core on the wasm backend (SIMD binary, one thread), its .wasm files read from node_modules. */
export async function loadTfjsWasm() {
  const tf = await import('@tensorflow/tfjs-core');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  wasm.setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist/`);
  wasm.setThreadsCount(1);
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend did not initialise');
  await tf.ready();
  const version = JSON.parse(readFileSync(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'), 'utf8')).version;
  return { tf, version, simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), threads: wasm.getThreadsCount() };
}

/** Tensors (Float32Array by name) and the ecg_screen document of a model file. */
export function readModelFile(bytes) {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  const tensors = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [b, e] = t.data_offsets;
    tensors[name] = { shape: t.shape, data: new Float32Array(new Uint8Array(buf.subarray(8 + n + b, 8 + n + e)).buffer) };
  }
  const doc = header.__metadata__?.ecg_screen;
  return { tensors, doc: doc === undefined ? undefined : JSON.parse(doc) };
}

/**
 * Builds the tfjs version of a model for one input length.
 * @returns {{ run(inputs: Record<string, Float32Array>): Record<string, Float32Array>, dispose(): void }}
 */
export function buildTfjsModel(tf, bytes, inputLen) {
  const { tensors, doc } = readModelFile(bytes);
  const { graph } = doc;
  const consumers = {};
  for (const node of graph.nodes) for (const v of node.inputs) consumers[v] = (consumers[v] ?? 0) + 1;
  for (const o of graph.outputs) consumers[o] = (consumers[o] ?? 0) + 1000;
  const weights = [];  // every constant, disposed with the model
  const constant = (data, shape) => {
    const t = tf.tensor(data, shape, 'float32');
    weights.push(t);
    return t;
  };
  const w = (node, role) => (node.weights[role] ? tensors[node.weights[role]] : undefined);
  const bnAffine = (node) => {
    const g = w(node, 'weight').data, b = w(node, 'bias').data, m = w(node, 'mean').data, v = w(node, 'var').data;
    const eps = node.attrs.eps ?? 1e-5;
    const scale = g.map((gi, i) => gi / Math.sqrt(v[i] + eps));
    return { scale, shift: b.map((bi, i) => bi - m[i] * scale[i]) };
  };
  const rank = {};  // value → 1 or 2 (rank without batch)
  for (const i of graph.inputs) rank[i.name] = i.shape.length;
  const steps = [];  // (values) => void, in order
  const nodes = graph.nodes;
  for (let i = 0; i < nodes.length; ++i) {
    const node = nodes[i];
    const next = (op, from) => {
      const nx = nodes[i + 1];
      return nx && nx.op === op && nx.inputs[0] === from && consumers[from] === 1 ? nx : undefined;
    };
    const [x0] = node.inputs;
    let out = node.output;
    switch (node.op) {
      case 'conv1d': {
        const wt = w(node, 'weight');
        const [cOut, cig, k] = wt.shape;
        const { stride = 1, dilation = 1, groups = 1, pad = [0, 0] } = node.attrs;
        const wdata = Float32Array.from(wt.data);
        const bias = Float32Array.from(w(node, 'bias')?.data ?? new Float32Array(cOut));
        const bn = next('batchnorm', out);
        if (bn) {  // fold exactly, as the engine does
          const { scale, shift } = bnAffine(bn);
          for (let o = 0; o < cOut; ++o) {
            for (let j = 0; j < cig * k; ++j) wdata[o * cig * k + j] *= scale[o];
            bias[o] = bias[o] * scale[o] + shift[o];
          }
          out = bn.output;
          ++i;
        }
        const relu = next('relu', out);
        if (relu) {
          out = relu.output;
          ++i;
        }
        // stride and dilation both > 1: tfjs allows one of them, so dilate the filter with zeros
        const kk = stride > 1 && dilation > 1 ? (k - 1) * dilation + 1 : k;
        const dil = kk === k ? dilation : 1;
        const tap = (j) => (kk === k ? j : j * dilation);
        const cIn = cig * groups, og = cOut / groups;
        const common = { strides: [1, stride], pad: [[0, 0], [0, 0], [pad[0], pad[1]], [0, 0]], dilations: [1, dil], activation: relu ? 'relu' : 'linear' };
        if (groups === 1 || groups === cIn) {
          const depthwise = groups > 1;
          // conv2d filter [1, K, C_in, C_out]; depthwise [1, K, C_in, multiplier] (out channel c·m + j)
          const f = new Float32Array(kk * cIn * og * (depthwise ? 1 : groups));
          for (let o = 0; o < cOut; ++o)
            for (let c = 0; c < cig; ++c)
              for (let j = 0; j < k; ++j) {
                const v = wdata[(o * cig + c) * k + j];
                if (depthwise) f[(tap(j) * cIn + Math.floor(o / og)) * og + (o % og)] = v;
                else f[(tap(j) * cIn + c) * cOut + o] = v;
              }
          const filter = constant(f, [1, kk, cIn, depthwise ? og : cOut]);
          const b = constant(bias, [cOut]);
          const conv = depthwise ? tf.fused.depthwiseConv2d : tf.fused.conv2d;
          steps.push((v) => { v[out] = conv({ x: v[x0], filter, bias: b, ...common }); });
        } else {
          const parts = [];
          for (let g = 0; g < groups; ++g) {
            const f = new Float32Array(kk * cig * og);
            for (let o = 0; o < og; ++o)
              for (let c = 0; c < cig; ++c)
                for (let j = 0; j < k; ++j) f[(tap(j) * cig + c) * og + o] = wdata[((g * og + o) * cig + c) * k + j];
            parts.push({ filter: constant(f, [1, kk, cig, og]), bias: constant(bias.subarray(g * og, (g + 1) * og), [og]) });
          }
          steps.push((v) => {
            const x = v[x0];
            const [, , l] = x.shape;
            v[out] = tf.concat(parts.map((p, g) => tf.fused.conv2d({ x: tf.slice(x, [0, 0, 0, g * cig], [1, 1, l, cig]), filter: p.filter, bias: p.bias, ...common })), 3);
          });
        }
        rank[out] = 2;
        break;
      }
      case 'batchnorm': {
        const { scale, shift } = bnAffine(node);
        const c = scale.length;
        const r = rank[x0];
        // batchNorm(x, mean 0, variance 1 - eps, offset shift, scale) = x·scale + shift
        const eps = 1e-3;
        const mean = constant(new Float32Array(c), [c]), variance = constant(new Float32Array(c).fill(1 - eps), [c]);
        const sc = constant(scale, [c]), sh = constant(shift, [c]);
        steps.push((v) => { v[out] = tf.batchNorm(v[x0], mean, variance, sh, sc, eps); });
        rank[out] = r;
        break;
      }
      case 'relu': steps.push((v) => { v[out] = tf.relu(v[x0]); }); rank[out] = rank[x0]; break;
      case 'sigmoid': steps.push((v) => { v[out] = tf.sigmoid(v[x0]); }); rank[out] = rank[x0]; break;
      case 'mish': steps.push((v) => { v[out] = tf.mul(v[x0], tf.tanh(tf.softplus(v[x0]))); }); rank[out] = rank[x0]; break;
      case 'add': {
        const relu = next('relu', out);
        if (relu) {
          out = relu.output;
          ++i;
        }
        const [a, b] = node.inputs;
        steps.push((v) => { v[out] = relu ? tf.relu(tf.add(v[a], v[b])) : tf.add(v[a], v[b]); });
        rank[out] = rank[a];
        break;
      }
      case 'mul_channel': {
        const [a, s] = node.inputs;
        steps.push((v) => { v[out] = tf.mul(v[a], tf.reshape(v[s], [1, 1, 1, -1])); });
        rank[out] = 2;
        break;
      }
      case 'global_avg_pool': steps.push((v) => { v[out] = tf.mean(v[x0], [1, 2]); }); rank[out] = 1; break;
      case 'global_max_pool': steps.push((v) => { v[out] = tf.max(v[x0], [1, 2]); }); rank[out] = 1; break;
      case 'max_pool1d':
      case 'avg_pool1d': {
        const { kernel, stride = kernel, pad = [0, 0] } = node.attrs;
        const pool = node.op === 'max_pool1d' ? tf.maxPool : tf.avgPool;
        const p = [[0, 0], [0, 0], [pad[0], pad[1]], [0, 0]];
        steps.push((v) => { v[out] = pool(v[x0], [1, kernel], [1, stride], p); });
        rank[out] = 2;
        break;
      }
      case 'linear': {
        const wt = w(node, 'weight');
        const [nOut, nIn] = wt.shape;
        const wT = new Float32Array(nIn * nOut);
        for (let o = 0; o < nOut; ++o) for (let j = 0; j < nIn; ++j) wT[j * nOut + o] = wt.data[o * nIn + j];
        const b = w(node, 'bias') ? constant(w(node, 'bias').data, [nOut]) : undefined;
        const weight = constant(wT, [nIn, nOut]);
        const relu = next('relu', out);
        if (relu) {
          out = relu.output;
          ++i;
        }
        steps.push((v) => { v[out] = tf.fused.matMul({ a: v[x0], b: weight, bias: b, activation: relu ? 'relu' : 'linear' }); });
        rank[out] = 1;
        break;
      }
      case 'concat': {
        const r = rank[x0];
        steps.push((v) => { v[out] = tf.concat(node.inputs.map((n) => v[n]), r === 1 ? 1 : 3); });
        rank[out] = r;
        break;
      }
      case 'flatten':
        steps.push((v) => {
          const [, , l, c] = v[x0].shape;
          v[out] = tf.reshape(tf.transpose(tf.reshape(v[x0], [1, l, c]), [0, 2, 1]), [1, c * l]);
        });
        rank[out] = 1;
        break;
      case 'groupnorm': {
        const groups = node.attrs.groups, eps = node.attrs.eps ?? 1e-5;
        const gamma = w(node, 'weight').data, beta = w(node, 'bias').data, c = gamma.length;
        const g4 = constant(gamma, [1, 1, 1, c]), b4 = constant(beta, [1, 1, 1, c]);
        steps.push((v) => {
          const [, , l] = v[x0].shape;
          const xg = tf.reshape(v[x0], [1, l, groups, c / groups]);
          const { mean, variance } = tf.moments(xg, [1, 3], true);
          const norm = tf.reshape(tf.div(tf.sub(xg, mean), tf.sqrt(tf.add(variance, eps))), [1, 1, l, c]);
          v[out] = tf.add(tf.mul(norm, g4), b4);
        });
        rank[out] = 2;
        break;
      }
      default:
        throw new Error(`tfjs: op ${node.op} (node ${node.output}) has no tfjs expression here`);
    }
  }
  return {
    run(inputs) {
      const outs = tf.tidy(() => {
        const v = {};
        for (const spec of graph.inputs) {
          const data = inputs[spec.name];
          v[spec.name] = spec.shape.length === 2
            ? tf.reshape(tf.transpose(tf.tensor(data, [spec.shape[0], inputLen]), [1, 0]), [1, 1, inputLen, spec.shape[0]])
            : tf.tensor(data, [1, spec.shape[0]]);
        }
        for (const step of steps) step(v);
        return graph.outputs.map((o) => v[o]);
      });
      const result = Object.fromEntries(graph.outputs.map((o, j) => [o, outs[j].dataSync()]));
      tf.dispose(outs);
      return result;
    },
    dispose() { tf.dispose(weights); },
  };
}

// Self-check: every fixture model against its golden outputs (PyTorch), within 1e-4 of the output scale.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { tf, version, simd, threads } = await loadTfjsWasm();
  console.log(`tfjs-backend-wasm ${version}, simd ${simd}, threads ${threads}`);
  const dir = fileURLToPath(new URL('../../tests/fixtures/nn/', import.meta.url));
  let failed = 0, checked = 0;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.safetensors') && !n.includes('.golden.'))) {
    const name = f.replace('.safetensors', '');
    const golden = readModelFile(readFileSync(`${dir}${name}.golden.safetensors`)).tensors;
    const bytes = readFileSync(`${dir}${f}`);
    const { doc } = readModelFile(bytes);
    const model = buildTfjsModel(tf, bytes, doc.input_len);
    const out = model.run({ ecg: golden['input.ecg'].data, demographics: golden['input.demographics'].data });
    for (const o of doc.graph.outputs) {
      const want = golden[`output.${o}`].data;
      const scale = Math.max(...want.map(Math.abs));
      const err = Math.max(...out[o].map((x, i) => Math.abs(x - want[i])));
      const ok = err <= 1e-4 * scale;
      failed += ok ? 0 : 1;
      checked += 1;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${name} ${o}: max abs error ${err.toExponential(2)}, scale ${scale.toFixed(3)}`);
    }
    model.dispose();
  }
  console.log(failed || !checked ? `${failed} of ${checked} outputs differ` : `all ${checked} fixture outputs match`);
  process.exitCode = failed || !checked ? 1 : 0;
}

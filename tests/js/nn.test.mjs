// The nn engine through the JS API under Node: PyTorch parity on the exported fixtures, batching,
// validation messages.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { loadEcgScreen } from '../../web/lib/ecg-screen.js';

const dir = fileURLToPath(new URL('../fixtures/nn/', import.meta.url));
const ecg = await loadEcgScreen();

function readSafetensors(path) {
  const bytes = readFileSync(path);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  const out = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [b, e] = t.data_offsets;
    const copy = new Uint8Array(bytes.subarray(8 + n + b, 8 + n + e));
    out[name] = new Float32Array(copy.buffer);
  }
  return out;
}

// float32 fixtures, then the int8 and float16 ones (golden: PyTorch on their dequantised weights; docs/model-format.md)
for (const name of ['tiny-lrhnet', 'tiny-seresnet', 'tiny-leadwise', 'tiny-mobilenet1d', 'tiny-rhythmnet', 'parity-ops', 'parity-convs',
  'tiny-mobilenet1d.int8', 'tiny-rhythmnet.int8', 'tiny-seresnet.int8', 'tiny-lrhnet.int8', 'parity-convs.f16']) {
  for (const backend of ['simd', 'reference']) {
    test(`${name} (${backend}) matches PyTorch within 1e-4 of the output scale`, () => {
      const model = ecg.loadModel(readFileSync(`${dir}${name}.safetensors`), { backend });
      try {
        const golden = readSafetensors(`${dir}${name}.golden.safetensors`);
        const out = model.run({ ecg: golden['input.ecg'], demographics: golden['input.demographics'] });
        for (const o of model.info.outputs) {
          const want = golden[`output.${o}`];
          const scale = Math.max(...want.map(Math.abs));
          const err = Math.max(...out[o].map((v, i) => Math.abs(v - want[i])));
          assert.ok(err <= 1e-4 * scale, `${o}: max abs error ${err}, scale ${scale}`);
        }
      } finally {
        model.delete();
      }
    });
  }
}

test('a batch of windows equals the windows run one by one', () => {
  const model = ecg.loadModel(readFileSync(`${dir}tiny-lrhnet.safetensors`));
  try {
    const { input_len: len, leads } = model.info;
    const one = len * leads.length;
    const windows = Float32Array.from({ length: 2 * one }, (_, i) => Math.sin(i * 0.37) + ((i * 7919) % 13) / 13);
    const demo = new Float32Array([0.5, 1, 0, 1, 1, 0.7, 1, 1, 0, 1]);
    const both = model.run({ ecg: windows, demographics: demo }, { batch: 2 }).logits;
    const first = model.run({ ecg: windows.subarray(0, one), demographics: demo.subarray(0, 5) }).logits;
    const second = model.run({ ecg: windows.subarray(one), demographics: demo.subarray(5) }).logits;
    assert.deepEqual(both, Float32Array.from([...first, ...second]));
    assert.ok(model.heapBytes >= model.arenaBytes);
  } finally {
    model.delete();
  }
});

test('bad model bytes and bad inputs give messages naming what was expected', () => {
  assert.throws(() => ecg.loadModel(new Uint8Array([1, 2, 3])), /got 3 bytes, expected at least 8/);
  const model = ecg.loadModel(readFileSync(`${dir}tiny-lrhnet.safetensors`));
  try {
    assert.equal(model.info.name, 'tiny-lrhnet');
    assert.equal(model.info.classes.length, model.info.thresholds.length);
    assert.equal(model.info.task, 'screen');
    assert.equal(model.info.decision_rule, 'threshold_or_argmax');
    assert.throws(() => model.run({ ecg: new Float32Array(5), demographics: new Float32Array(5) }), /input ecg: got 5 values, expected 6144/);
    assert.throws(() => model.run({ ecg: new Float32Array(6144) }), /input demographics: expected a Float32Array/);
  } finally {
    model.delete();
  }
  assert.throws(() => ecg.loadModel(readFileSync(`${dir}tiny-lrhnet.safetensors`), { backend: 'gpu' }), /backend got 'gpu'/);
});

test('a profiled run times every graph node once and its FLOPs add up to flops_per_window', () => {
  for (const name of ['tiny-lrhnet', 'tiny-seresnet', 'tiny-leadwise', 'tiny-mobilenet1d', 'parity-ops', 'parity-convs']) {
    const bytes = readFileSync(`${dir}${name}.safetensors`);
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8'));
    const graph = JSON.parse(header.__metadata__.ecg_screen).graph;
    const golden = readSafetensors(`${dir}${name}.golden.safetensors`);
    const inputs = { ecg: golden['input.ecg'], demographics: golden['input.demographics'] };
    const model = ecg.loadModel(bytes);
    try {
      const plain = model.run(inputs);
      assert.deepEqual(model.profile().runs, 0);
      model.setProfiling(true);
      const profiled = model.run(inputs);
      model.run(inputs);
      const { runs, steps } = model.profile();
      assert.equal(runs, 2);
      // every node once (a fused step may take a node from further back, e.g. an SE scale)
      assert.deepEqual(steps.flatMap((s) => s.nodes).sort((a, b) => a - b), graph.nodes.map((_, i) => i), `${name}: every node once`);
      for (const s of steps) {
        assert.ok(s.nodes.some((j) => graph.nodes[j].op === s.op), `${name}: step ${s.name} runs a ${s.op} node`);
        assert.equal(s.name, graph.nodes[s.nodes.at(-1)].output);
        assert.ok(s.ms >= 0);
      }
      const flops = steps.reduce((a, s) => a + s.flops, 0);
      assert.ok(Math.abs(flops - model.info.flops_per_window) <= 1e-9 * flops, `${name}: ${flops} vs ${model.info.flops_per_window}`);
      assert.ok(steps.reduce((a, s) => a + s.ms, 0) > 0);
      for (const o of model.info.outputs) assert.deepEqual(profiled[o], plain[o]);
      model.setProfiling(false);
    } finally {
      model.delete();
    }
  }
});

test('a shipped int8 model reports schema 2, its dtypes and tensor hash; a damaged copy is refused', () => {
  const bytes = readFileSync(new URL('../../models/mobilenet1d-12.safetensors', import.meta.url));
  const model = ecg.loadModel(bytes);
  try {
    assert.equal(model.info.schema, 2);
    assert.match(model.info.tensor_sha256, /^[0-9a-f]{64}$/);
    assert.ok(model.info.dtypes.I8 > 100000, JSON.stringify(model.info.dtypes));
    assert.ok(model.info.dtypes.F16 > 0);
    // the hash is SHA-256 of every byte after the header
    const n = 8 + Number(bytes.readBigUInt64LE(0));
    assert.equal(createHash('sha256').update(bytes.subarray(n)).digest('hex'), model.info.tensor_sha256);
    const damaged = Buffer.from(bytes);
    damaged[damaged.length - 1000] ^= 0xff;
    assert.throws(() => ecg.loadModel(damaged), /tensor content hash got [0-9a-f]{64}, expected [0-9a-f]{64}/);
  } finally {
    model.delete();
  }
  const old = ecg.loadModel(readFileSync(`${dir}parity-ops.safetensors`));  // schema 1: still read
  assert.equal(old.info.schema, 1);
  assert.equal(old.info.tensor_sha256, null);
  old.delete();
});

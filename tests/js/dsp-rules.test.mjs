// R-peaks, delineation, rules and DSP through the JS API under Node, and parity with the native CLI.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { EcgRecord, loadEcgScreen } from '../../web/lib/ecg-screen.js';
import { readRecordFromPath } from '../../web/lib/node.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const sample = `${fixtures}wfdb/00003_hr`;
const ecg = await loadEcgScreen();
const native = existsSync('build/native/ecg-screen');

test('detectRpeaks: fused and single-lead beats of the PTB-XL sample', async () => {
  const record = await readRecordFromPath(ecg, sample);
  const fused = ecg.detectRpeaks(record);
  assert.equal(fused.rpeaks.length, 11);
  assert.equal(fused.lead, 'fused');
  assert.ok(Math.abs(fused.heart_rate_bpm - 64.1) < 1.0);
  const v1 = ecg.detectRpeaks(record, { lead: 'V1' });
  assert.equal(v1.rpeaks.length, 11);
  assert.throws(() => ecg.detectRpeaks(record, { lead: 'V9' }), /no lead 'V9'/);
});

test('evaluateRules: every rule has a decision and evidence; a record without lead I cannot judge the axis', async () => {
  const record = await readRecordFromPath(ecg, sample);
  const report = ecg.evaluateRules(record, { sex: 'female' });
  const ids = report.rules.map((r) => r.id);
  assert.deepEqual(ids, ['Brady', 'SB', 'STach', 'LAD', 'RAD', 'LQRSV', 'PR', 'IAVB', 'QRS120', 'LQT', 'IrregularRR']);
  const lad = report.rules.find((r) => r.id === 'LAD');
  assert.equal(lad.decision, 'negative');
  assert.ok(lad.evidence.some((e) => e.name === 'qrs_axis_deg'));
  // Lead II only: a single-lead record.
  const ii = record.lead('II');
  const single = new EcgRecord({ ...record.info, leads: ['II'] }, ii.slice());
  const r1 = ecg.evaluateRules(single);
  assert.equal(r1.rules.find((r) => r.id === 'LAD').decision, 'not_assessable');
  assert.equal(r1.rules.find((r) => r.id === 'LQRSV').decision, 'not_assessable');
  assert.equal(r1.rules.find((r) => r.id === 'Brady').decision, 'negative');
});

test('a flat record gives quality flags and not-assessable rules, not a crash', async () => {
  const record = await readRecordFromPath(ecg, sample);
  const flat = new EcgRecord(record.info, new Float32Array(record.samples.length));
  const findings = ecg.screen(flat);
  assert.equal(findings.heart_rate_bpm, null);
  assert.ok(findings.quality.some((q) => q.startsWith('lead I unusable: flat')), findings.quality.join('; '));
  assert.equal(findings.inconclusive, true);
  assert.ok(findings.classes.every((c) => !c.decision && c.source === 'withheld'));
  for (const r of findings.rules.rules) assert.equal(r.decision, 'not_assessable', r.id);
});

test('resample and bandpass keep a sine', () => {
  const fs = 500;
  const x = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(2 * Math.PI * 10 * i / fs));
  const y = ecg.resample(x, 500, 257);
  assert.equal(y.length, Math.ceil(5000 * 257 / 500));
  const t = 1000; // compare mid-record against the analytic sine at 257 Hz
  assert.ok(Math.abs(y[t] - Math.sin(2 * Math.PI * 10 * t / 257)) < 0.01);
  const z = ecg.bandpass(x, fs);
  assert.ok(Math.abs(z[2500] - x[2500]) < 0.01);
});

test('wasm and native give the same rules and R-peaks', { skip: !native && 'native build missing' }, async () => {
  const record = await readRecordFromPath(ecg, sample);
  const cliRules = JSON.parse(execFileSync('build/native/ecg-screen', ['rules', sample], { encoding: 'utf8' }));
  const wasmRules = ecg.evaluateRules(record);
  assert.deepEqual(wasmRules.rules.map((r) => [r.id, r.decision]), cliRules.rules.map((r) => [r.id, r.decision]));
  for (let k = 0; k < cliRules.rules.length; k++) {
    cliRules.rules[k].evidence.forEach((e, i) => assert.ok(Math.abs(e.value - wasmRules.rules[k].evidence[i].value) < 1e-3 * Math.max(1, Math.abs(e.value)), `${cliRules.rules[k].id} ${e.name}`));
  }
  const cliPeaks = JSON.parse(execFileSync('build/native/ecg-screen', ['rpeaks', '--lead', 'II', sample], { encoding: 'utf8' }));
  assert.deepEqual(ecg.detectRpeaks(record, { lead: 'II' }).rpeaks, cliPeaks.rpeaks);
});

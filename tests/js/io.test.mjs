// Record I/O through the JS API under Node: every fixture format, options, annotations, errors, and
// parity with the native CLI's `info`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { loadEcgScreen } from '../../web/lib/ecg-screen.js';
import { loadRecordFiles, readAnnotationsFromPath, readRecordFromPath } from '../../web/lib/node.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const ecg = await loadEcgScreen();
const TWELVE = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'];
const native = 'build/native/ecg-screen';

test('every fixture format reads with its header values', async () => {
  const cases = [
    ['cinc/Q0016', 'wfdb-mat', 500, 5000, TWELVE],
    ['cinc2017/A05493.mat', 'wfdb-mat', 300, 2714, ['ECG']],
    ['ludb/1', 'wfdb-16', 500, 5000, TWELVE],
    ['mitbih/100_10s', 'wfdb-212', 360, 3600, ['II', 'V5']],
    ['cpsc2021/data_8_4.hea', 'wfdb-16', 200, 8235, ['I', 'II']],
    ['ptbxl/00003_lr', 'wfdb-16', 100, 1000, TWELVE],
    ['csv/00003_lr.csv', 'csv', 100, 1000, TWELVE],
    ['csv/00003_lr_semicolon.csv', 'csv', 100, 1000, TWELVE],
    ['edf/00003_lr.edf', 'edf+', 100, 1000, TWELVE],
  ];
  for (const [path, format, fs, n, leads] of cases) {
    const r = await readRecordFromPath(ecg, fixtures + path);
    assert.equal(r.info.format, format, path);
    assert.equal(r.fsHz, fs, path);
    assert.equal(r.nSamples, n, path);
    assert.deepEqual(r.leads, leads, path);
    assert.equal(r.samples.length, n * leads.length, path);
    assert.ok(r.samples.every(Number.isFinite), path);
  }
});

test('WFDB, CSV and EDF copies of one ECG give the same millivolts', async () => {
  const wfdb = await readRecordFromPath(ecg, `${fixtures}ptbxl/00003_lr`);
  for (const path of ['csv/00003_lr.csv', 'csv/00003_lr_semicolon.csv', 'edf/00003_lr.edf']) {
    const other = await readRecordFromPath(ecg, fixtures + path);
    let maxDiff = 0;
    for (let i = 0; i < wfdb.samples.length; i++) maxDiff = Math.max(maxDiff, Math.abs(other.samples[i] - wfdb.samples[i]));
    assert.ok(maxDiff < 1e-6, `${path}: max difference ${maxDiff} mV`);
  }
  // MIT-BIH format 212: independent decoding of the first frame (3 bytes: 995 and 1011, baseline 1024, 200/mV).
  const dat = readFileSync(`${fixtures}mitbih/100_10s.dat`);
  const first = dat[0] | ((dat[1] & 0x0f) << 8);
  const second = dat[2] | ((dat[1] >> 4) << 8);
  const mit = await readRecordFromPath(ecg, `${fixtures}mitbih/100_10s`);
  assert.ok(Math.abs(mit.lead('II')[0] - (first - 1024) / 200) < 1e-6);
  assert.ok(Math.abs(mit.lead('V5')[0] - (second - 1024) / 200) < 1e-6);
});

test('metadata: labels, age, sex, lead details, warnings', async () => {
  const q = await readRecordFromPath(ecg, `${fixtures}cinc/Q0016`);
  assert.deepEqual(q.labels, ['164867002']);
  assert.equal(q.age, 73);
  assert.equal(q.sex, 'male');
  assert.deepEqual(q.warnings, []);
  const ludb = await readRecordFromPath(ecg, `${fixtures}ludb/1`);
  assert.equal(ludb.info.lead_details[0].label, 'i');
  assert.equal(ludb.info.lead_details[0].gain, 1716);
  assert.equal(ludb.labels[0], 'Rhythm: Sinus bradycardia.');
  assert.equal(ludb.sex, 'female');
  const a = await readRecordFromPath(ecg, `${fixtures}cinc2017/A05493`);
  assert.match(a.warnings[0], /checksum mismatch.*header says 0/);
});

test('readRecord options: CSV rate and units from the caller, derived limb leads', () => {
  const text = 'I,II\n' + Array.from({ length: 50 }, (_, t) => `${t},${2 * t}`).join('\n') + '\n';
  const bytes = new TextEncoder().encode(text);
  assert.throws(() => ecg.readRecord([{ name: 'ii.csv', bytes }]), /ii\.csv: units of column 'I' unknown/);
  const r = ecg.readRecord([{ name: 'ii.csv', bytes }], { fsHz: 250, units: 'uV', deriveLimbLeads: true });
  assert.equal(r.fsHz, 250);
  assert.deepEqual(r.leads, ['I', 'II', 'III', 'aVR', 'aVL', 'aVF']);
  assert.deepEqual(r.derivedLeads, ['III', 'aVR', 'aVL', 'aVF']);
  assert.ok(Math.abs(r.lead('II')[10] - 0.020) < 1e-7);   // 20 uV
  assert.ok(Math.abs(r.lead('III')[10] - 0.010) < 1e-7);  // II - I
  assert.ok(Math.abs(r.lead('aVR')[10] + 0.015) < 1e-7);  // -(I + II) / 2
  assert.throws(() => ecg.readRecord([{ name: 'ii.csv', bytes }], { fsHz: -1, units: 'uV' }), /above 10 and at most 20000 Hz/);
  assert.throws(() => ecg.readRecord([{ name: 'ii.csv', bytes }], { fsHz: 'fast' }),
    { message: 'fsHz: expected a number (above 10 and at most 20000 Hz), found a string "fast"' });
});

test('readAnnotations: MIT-BIH beats and rhythm, LUDB waves, CPSC 2021 AF', async () => {
  const mit = await readAnnotationsFromPath(ecg, `${fixtures}mitbih/100_10s.atr`);
  assert.equal(mit.extension, 'atr');
  assert.equal(mit.annotations.length, 14);
  assert.deepEqual(mit.annotations[0], { sample: 18, symbol: '+', code: 28, subtype: 0, channel: 0, num: 0, aux: '(N' });
  assert.equal(mit.annotations[1].symbol, 'N');
  const ludb = await readAnnotationsFromPath(ecg, `${fixtures}ludb/1.ii`);
  assert.deepEqual(new Set(ludb.annotations.map((a) => a.symbol)), new Set(['(', ')', 'p', 'N', 't']));
  const cpsc = await readAnnotationsFromPath(ecg, `${fixtures}cpsc2021/data_8_4.atr`);
  assert.deepEqual(cpsc.annotations.filter((a) => a.aux.startsWith('(')).map((a) => [a.sample, a.aux]), [[0, '(AFIB'], [8234, '(N']]);
  const bytes = readFileSync(`${fixtures}mitbih/100_10s.atr`).subarray(0, 10);
  assert.throws(() => ecg.readAnnotations({ name: 'cut.atr', bytes }), /cut\.atr.*end-of-file word/);
});

test('bad input: each error names the file and what was expected', async () => {
  const q = await loadRecordFiles(ecg, `${fixtures}cinc/Q0016`);
  assert.throws(() => ecg.readRecord([q[1]]), /Q0016\.mat.*needs its \.hea/);
  assert.throws(() => ecg.readRecord([q[0], { name: 'Q0016.mat', bytes: q[1].bytes.subarray(0, 500) }]), /Q0016\.mat: expected at least 120024 bytes.*found 500/);
  const edf = readFileSync(`${fixtures}edf/00003_lr.edf`);
  assert.throws(() => ecg.readRecord([{ name: 'x.edf', bytes: edf.subarray(0, 4000) }]), /x\.edf: expected \d+ bytes for 10 data records.*truncated/);
  const nan = new TextEncoder().encode('II (mV)\n1\nNaN\n');
  assert.throws(() => ecg.readRecord([{ name: 'n.csv', bytes: nan }], { fsHz: 500 }), /n\.csv, line 3, column 'II': expected a finite number, found 'NaN'/);
  const huge = new TextEncoder().encode('h 12 500 999999999\nh.dat 16\n'.replace('h.dat 16\n', 'h.dat 16\n'.repeat(12)));
  assert.throws(() => ecg.readRecord([{ name: 'h.hea', bytes: huge }, { name: 'h.dat', bytes: new Uint8Array(10) }]), /h\.hea, line 1: the header claims 999999999 samples x 12 signals, more than/);
  await assert.rejects(readRecordFromPath(ecg, `${fixtures}csv/missing.csv`), /missing\.csv: cannot open the file/);
});

test('wasm and native print the same record summary', { skip: !existsSync(native) && 'native build missing' }, async () => {
  for (const path of ['cinc/Q0016', 'mitbih/100_10s', 'csv/00003_lr.csv', 'edf/00003_lr.edf', 'ludb/1']) {
    const cli = JSON.parse(execFileSync(native, ['info', fixtures + path], { encoding: 'utf8' }));
    const wasm = (await readRecordFromPath(ecg, fixtures + path)).info;
    // The CLI names files by path, the JS API by the names it was given.
    delete cli.files;
    delete wasm.files;
    cli.warnings = cli.warnings.map((w) => w.replaceAll(fixtures, ''));
    wasm.warnings = wasm.warnings.map((w) => w.replaceAll(fixtures, ''));
    assert.deepEqual(wasm, cli, path);
  }
});

test('native CLI: dump prints the stored integers, annotations the same JSON as the JS API', { skip: !existsSync(native) && 'native build missing' }, async () => {
  const dump = JSON.parse(execFileSync(native, ['dump', `${fixtures}mitbih/100_10s`], { encoding: 'utf8' }));
  assert.deepEqual(dump.labels, ['MLII', 'V5']);
  assert.deepEqual(dump.gain, [200, 200]);
  assert.deepEqual(dump.baseline, [1024, 1024]);
  assert.deepEqual([dump.digital[0][0], dump.digital[1][0]], [995, 1011]);
  assert.equal(dump.digital[0].length, 3600);
  const derived = JSON.parse(execFileSync(native, ['dump', '--derive-limb-leads', `${fixtures}mitbih/100_10s`], { encoding: 'utf8' }));
  assert.deepEqual(derived.leads, ['II', 'V5']);  // nothing derivable without lead I; stored leads only
  assert.throws(() => execFileSync(native, ['dump', `${fixtures}csv/00003_lr.csv`], { stdio: 'pipe' }), /stores no integers/);
  const cli = JSON.parse(execFileSync(native, ['annotations', `${fixtures}ludb/1.v6`], { encoding: 'utf8' }));
  const js = await readAnnotationsFromPath(ecg, `${fixtures}ludb/1.v6`);
  assert.deepEqual(cli.annotations, js.annotations);
});

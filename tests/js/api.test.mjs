// The JS API over the wasm core, under Node: reading, screening, errors, parity with the native CLI.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { EcgRecord, loadEcgScreen } from '../../web/lib/ecg-screen.js';
import { loadRecordFiles, readRecordFromPath } from '../../web/lib/node.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const sample = `${fixtures}wfdb/00003_hr`;
const ecg = await loadEcgScreen();

test('readRecord returns the PTB-XL sample with its header values', async () => {
  const record = await readRecordFromPath(ecg, sample);
  assert.ok(record instanceof EcgRecord);
  assert.equal(record.name, '00003_hr');
  assert.equal(record.fsHz, 500);
  assert.equal(record.nSamples, 5000);
  assert.deepEqual(record.leads, ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6']);
  assert.equal(record.samples.length, 12 * 5000);
  // First stored sample of lead II is -70 ADC units at 1000 units/mV (header's initial value).
  assert.ok(Math.abs(record.lead('II')[0] - -0.070) < 1e-6);
  // Independent decoding of the same bytes: int16 little-endian, interleaved by lead.
  const dat = readFileSync(`${sample}.dat`);
  const view = new DataView(dat.buffer, dat.byteOffset, dat.byteLength);
  const v6 = record.lead('V6');
  for (const i of [0, 1, 1234, 4999]) assert.ok(Math.abs(v6[i] - view.getInt16((i * 12 + 11) * 2, true) / 1000) < 1e-6);
  assert.deepEqual(record.warnings, []);
});

test('screen finds the sample heart rate and honours patient details', async () => {
  const record = await readRecordFromPath(ecg, sample);
  const findings = ecg.screen(record, { age: 37, sex: 'female' });
  assert.equal(findings.rpeaks.length, 11);
  assert.ok(Math.abs(findings.heart_rate_bpm - 64.1) < 1.0, `heart rate ${findings.heart_rate_bpm}`);
  assert.equal(findings.age, 37);
  assert.equal(findings.sex, 'female');
  assert.match(findings.disclaimer, /not a diagnosis/);
});

test('bad input gives an Error that names the file and what was expected', async () => {
  const files = await loadRecordFiles(ecg, sample);
  assert.throws(() => ecg.readRecord([files[0]]), /00003_hr\.dat.*not among the files given/);
  const truncated = [files[0], { name: files[1].name, bytes: files[1].bytes.subarray(0, 100) }];
  assert.throws(() => ecg.readRecord(truncated), /expected at least 120000 bytes.*found 100/);
  assert.throws(() => ecg.readRecord([]), /expected an array of \{name, bytes\} files/);
  const record = ecg.readRecord(files);
  assert.throws(() => ecg.screen(record, { age: 400 }), /between 0 and 150/);
  await assert.rejects(readRecordFromPath(ecg, `${fixtures}wfdb/no-such-record`), /cannot open the file/);
});

test('an error while screening names the record (a rate below an ECG\'s, a bad patient field)', async () => {
  // A record built by hand gets the readers' rule: at or below 10 Hz is refused in words, not by a filter design.
  const record = new EcgRecord({ record: 'strap-42', fs_hz: 10, leads: ['I'], n_samples: 100 }, new Float32Array(100));
  assert.throws(() => ecg.screen(record), (e) => e instanceof Error && /^record 'strap-42': expected a sampling rate above 10 Hz .*found 10 Hz$/.test(e.message));
  assert.throws(() => ecg.screenCsv(record), (e) => /^record 'strap-42': expected a sampling rate above 10 Hz/.test(e.message));
  // Just above the floor a record screens: every filter narrows or drops its band edges with the rate.
  const slow = new EcgRecord({ record: 'strap-43', fs_hz: 30, leads: ['I'], n_samples: 300 }, new Float32Array(300));
  assert.equal(ecg.screen(slow).fs_hz, 30);
  // A hand-built record's info field of the wrong type is named, with what it holds.
  const typo = new EcgRecord({ record: 'strap-44', fs_hz: '500', leads: ['I'], n_samples: 10 }, new Float32Array(10));
  assert.throws(() => ecg.screen(typo), (e) => /^strap-44: record metadata: fs_hz: type must be number, but is string, found "500"$/.test(e.message));
  const sampleRecord = await readRecordFromPath(ecg, sample);
  assert.throws(() => ecg.screen(sampleRecord, { age: -5 }), (e) => /^00003_hr: age: expected a number \(years, between 0 and 150\), found -5$/.test(e.message));
});

test('wasm and native give the same findings for the sample', { skip: !existsSync('build/native/ecg-screen') && 'native build missing' }, async () => {
  const native = JSON.parse(execFileSync('build/native/ecg-screen', ['screen', sample], { encoding: 'utf8' }));
  const wasm = ecg.screen(await readRecordFromPath(ecg, sample));
  assert.deepEqual(wasm.rpeaks, native.rpeaks);
  assert.ok(Math.abs(wasm.heart_rate_bpm - native.heart_rate_bpm) < 1e-9);
  // The same shipped model ran in both; its probabilities agree to float tolerance.
  assert.equal(wasm.model.name, native.model.name);
  assert.equal(wasm.classes.length, native.classes.length);
  wasm.classes.forEach((c, i) => {
    assert.equal(c.abbr, native.classes[i].abbr);
    assert.ok(Math.abs(c.probability - native.classes[i].probability) < 1e-5, `${c.abbr}: wasm ${c.probability}, native ${native.classes[i].probability}`);
    assert.equal(c.decision, native.classes[i].decision, c.abbr);
  });
});

test('screening uses the shipped model for 12 leads and the rules alone when asked', async () => {
  assert.ok(ecg.models.length >= 1, 'shipped models are loaded by default');
  const record = await readRecordFromPath(ecg, sample);
  const findings = ecg.screen(record, { age: 37, sex: 'female' });
  assert.equal(findings.model.lead_set, '12');
  assert.equal(findings.classes.filter((c) => c.probability !== null).length, 26);
  assert.ok(findings.classes.some((c) => c.decision), 'threshold_or_argmax always names a class');
  assert.equal(findings.inconclusive, false);
  const rulesOnly = await loadEcgScreen({ models: [] });
  const plain = rulesOnly.screen(record);
  assert.equal(plain.model, null);
  assert.ok(plain.classes.every((c) => c.probability === null && c.rule !== null));
  assert.match(rulesOnly.csvHeader, /^record,model,lead_set,inconclusive,heart_rate_bpm,positive/);
  assert.match(ecg.screenCsv(record, {}), /^00003_hr,mobilenet1d-12,12,no,64\.1,/);
  assert.throws(() => rulesOnly.addModel({ name: 'broken.safetensors', bytes: new Uint8Array([1, 2, 3]) }), /^Error: broken\.safetensors: /);
});

test('deferModels: the model with the most leads loads first, the others before a record that needs them', async () => {
  const deferred = await loadEcgScreen({ deferModels: true });
  const shipped = JSON.parse(readFileSync(new URL('../../web/gen/models.json', import.meta.url), 'utf8'));
  assert.ok(shipped.every((m, i) => i === 0 || m.leads.length <= shipped[i - 1].leads.length), 'models.json lists the most leads first');
  assert.deepEqual(deferred.models, [shipped[0].file.replace('.safetensors', '')]);
  const twelve = await readRecordFromPath(ecg, sample);
  await deferred.modelsFor(twelve);  // has every lead of the first model: no wait needed
  assert.equal(deferred.screen(twelve).model.name, ecg.screen(twelve).model.name);
  const two = await readRecordFromPath(ecg, `${fixtures}mitbih/100_10s`);  // leads II and V5
  await deferred.modelsFor(two);
  assert.deepEqual([...deferred.models].sort(), [...ecg.models].sort());
  const a = deferred.screen(two), b = ecg.screen(two);
  assert.equal(a.model?.name ?? null, b.model?.name ?? null);
  assert.deepEqual(a.classes.map((c) => c.decision), b.classes.map((c) => c.decision));
});

test('a one-lead record gets the rhythm model (AF decided by it) through the JS API, as natively', async () => {
  const record = await readRecordFromPath(ecg, `${fixtures}cinc2017/A01192`);  // CinC 2017, label A
  assert.deepEqual(record.leads, ['ECG']);
  const f = ecg.screen(record);
  assert.equal(f.model.name, 'rhythm-1');
  assert.equal(f.rhythm.model, 'rhythm-1');
  assert.equal(f.rhythm.decided, 'AF');
  assert.equal(f.rhythm.classes.length, 4);
  const af = f.classes.find((c) => c.snomed === '164889003');
  assert.equal(af.decision, true);
  assert.equal(af.source, 'model');
  assert.equal(ecg.whyNoModel(record), null);
  const twelveOnly = await loadEcgScreen({ models: [{ name: 'mobilenet1d-12', bytes: readFileSync(new URL('../../models/mobilenet1d-12.safetensors', import.meta.url)) }] });
  assert.match(twelveOnly.whyNoModel(record), /it has 1 lead \(ECG\), and mobilenet1d-12 needs leads I II III/);
  if (existsSync('build/native/ecg-screen')) {
    const native = JSON.parse(execFileSync('build/native/ecg-screen', ['screen', `${fixtures}cinc2017/A01192`], { encoding: 'utf8' }));
    assert.equal(native.rhythm.decided, f.rhythm.decided);
    f.rhythm.classes.forEach((c, i) => assert.ok(Math.abs(c.probability - native.rhythm.classes[i].probability) < 1e-5, c.abbr));
  }
});

test('quality(): per-lead quality of a noisy CinC 2017 record, and an inconclusive screen withholds every decision', async () => {
  const noisy = await readRecordFromPath(ecg, `${fixtures}cinc2017/A00445`);
  const q = ecg.quality(noisy);
  assert.equal(q.record, 'A00445');
  assert.equal(q.lead_quality.length, 1);
  assert.equal(q.lead_quality[0].usable, false);
  assert.ok(q.lead_quality[0].reasons.length > 0, 'an unusable lead says why');
  assert.equal(q.lead_quality[0].windows, undefined, 'windows only when asked');
  const withWindows = ecg.quality(noisy, { windows: true });
  assert.ok(withWindows.lead_quality[0].windows.length >= 4);
  assert.ok(withWindows.lead_quality[0].windows.some((w) => !w.usable && w.reasons.length > 0));
  const f = ecg.screen(noisy);
  assert.equal(f.inconclusive, true);
  assert.equal(f.decisions, 'withheld');
  assert.deepEqual(f.lead_quality.map((l) => l.usable), [false]);
  assert.ok(f.classes.length > 0 && f.classes.every((c) => !c.decision && c.source === 'withheld' && c.interpretable === false));
  const clean = ecg.quality(await readRecordFromPath(ecg, sample));
  assert.ok(clean.lead_quality.every((l) => l.usable && l.usable_share === 1), JSON.stringify(clean.lead_quality.map((l) => l.reasons)));
  assert.throws(() => ecg.quality({}), /quality/);
});

// A CSV record with exactly these leads, each lead the sample's lead of that name (or its lead II for
// a name the sample lacks, e.g. a chest strap's 'ECG'), 500 Hz, mV.
function recordWithLeads(ecg, sampleRecord, leads) {
  const columns = leads.map((l) => sampleRecord.leads.includes(l) ? sampleRecord.lead(l) : sampleRecord.lead('II'));
  const rows = [leads.join(',')];
  for (let i = 0; i < columns[0].length; i++) rows.push(columns.map((c) => c[i].toFixed(4)).join(','));
  return ecg.readRecord([{ name: `${leads.join('-')}.csv`, bytes: new TextEncoder().encode(rows.join('\n')) }], { fsHz: 500, units: 'mV' });
}

test('chosenModel is the core\'s rule: the table tests/fixtures/screen/model-choice.json (read by Catch2 too), and screen() runs that model', async () => {
  const table = JSON.parse(readFileSync(`${fixtures}screen/model-choice.json`, 'utf8'));
  const models = table.models.map((name) => ({ name, bytes: readFileSync(new URL(`../../models/${name}.safetensors`, import.meta.url)) }));
  const engine = await loadEcgScreen({ models });
  const sampleRecord = await readRecordFromPath(engine, sample);
  assert.ok(table.cases.length >= 10);
  for (const row of table.cases) {
    const record = recordWithLeads(engine, sampleRecord, row.leads);
    assert.deepEqual(record.leads, row.leads);
    const choice = engine.chosenModel(record);
    const findings = engine.screen(record);
    if (row.model === null) {
      assert.equal(choice, null, row.leads.join(' '));
      assert.equal(findings.model, null);
      continue;
    }
    assert.deepEqual({ model: choice.model, task: choice.task, leadSet: choice.leadSet }, { model: row.model, task: row.task, leadSet: row.lead_set }, row.leads.join(' '));
    assert.equal(findings.model.name, choice.model);
    assert.equal(findings.model.lead_set, choice.leadSet);
    assert.deepEqual(findings.model.leads, choice.leads);
  }
  assert.throws(() => engine.chosenModel({ leads: ['I'] }), /^Error: chosenModel: expected a record from readRecord\(\), found object/);
});

test('modelsFor waits for the deferred models only when one of them could be chosen instead (the core\'s rule)', async () => {
  const deferred = await loadEcgScreen({ deferModels: true });
  const sampleRecord = await readRecordFromPath(deferred, sample);
  const strap = recordWithLeads(deferred, sampleRecord, ['ECG1', 'ECG2']);  // no shipped model shares a lead
  await deferred.modelsFor(strap);
  assert.equal(deferred.models.length, 1, 'nothing loaded for a record no deferred model can read');
  const six = recordWithLeads(deferred, sampleRecord, ['I', 'II', 'III', 'aVR', 'aVL', 'aVF']);
  assert.equal(deferred.chosenModel(six), null, 'the 12-lead model cannot read 6 leads');
  await deferred.modelsFor(six);
  assert.ok(deferred.models.length > 1, 'the deferred models are loaded for a 6-lead record');
  assert.equal(deferred.chosenModel(six).model, 'mobilenet1d-6');
});

test('readModelInfo: a model file\'s header alone gives NnModel.info less what the graph gives, and refuses a damaged header', () => {
  for (const name of ['mobilenet1d-12', 'rhythm-1', 'qrs-1']) {
    const bytes = readFileSync(new URL(`../../models/${name}.safetensors`, import.meta.url));
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const info = ecg.readModelInfo(bytes.subarray(0, 8 + headerLength));  // the header is enough
    const model = ecg.loadModel(bytes);
    const full = { ...model.info };
    model.delete();
    for (const key of ['inputs', 'outputs', 'parameters', 'flops_per_window', 'dtypes']) {
      assert.ok(key in full, key);
      delete full[key];
    }
    assert.deepEqual(info, full, name);
  }
  assert.throws(() => ecg.readModelInfo(new Uint8Array([1, 2, 3])), /got 3 bytes, expected at least 8/);
});

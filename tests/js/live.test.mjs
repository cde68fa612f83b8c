// Live screening through the JS API under Node: the Bluetooth constants and control-point parsing from
// the core, a real record streamed as Polar H10 PMD frames and as Heart Rate Measurement values, the
// saved session read back, and errors that say what was expected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { EcgRecord, loadEcgScreen } from '../../web/lib/ecg-screen.js';
import { FS_HZ, heartRateValues, loadReplay, pmdFrames, referenceHr } from './live-replay.mjs';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const ecg = await loadEcgScreen({ models: [] });

test('bleProtocol gives the PMD and Heart Rate service UUIDs and the H10 command bytes from the core', () => {
  const { pmd, heartRate } = ecg.bleProtocol;
  assert.equal(pmd.service, 'fb005c80-02e7-f387-1cad-8acd2d8df0c8');
  assert.equal(pmd.controlPoint, 'fb005c81-02e7-f387-1cad-8acd2d8df0c8');
  assert.equal(pmd.data, 'fb005c82-02e7-f387-1cad-8acd2d8df0c8');
  assert.deepEqual([...pmd.getSettings], [0x01, 0x00]);
  assert.deepEqual([...pmd.startEcg], [0x02, 0x00, 0x00, 0x01, 0x82, 0x00, 0x01, 0x01, 0x0e, 0x00]);
  assert.deepEqual([...pmd.stop], [0x03, 0x00]);
  assert.equal(pmd.ecgFsHz, 130);
  assert.equal(heartRate.service, '0000180d-0000-1000-8000-00805f9b34fb');
  assert.equal(heartRate.measurement, '00002a37-0000-1000-8000-00805f9b34fb');
});

test('parsePmdControlPoint reads settings answers, names refusals and rejects other bytes', () => {
  const settings = ecg.parsePmdControlPoint(new Uint8Array([0xf0, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x82, 0x00, 0x01, 0x01, 0x0e, 0x00]));
  assert.equal(settings.ok, true);
  assert.equal(settings.opcode_name, 'get measurement settings');
  assert.deepEqual(settings.settings.sample_rates_hz, [130]);
  assert.deepEqual(settings.settings.resolutions_bits, [14]);
  const refused = ecg.parsePmdControlPoint(new DataView(new Uint8Array([0xf0, 0x02, 0x00, 0x0d]).buffer));
  assert.equal(refused.ok, false);
  assert.equal(refused.status_name, 'device in charger');
  assert.equal(refused.settings, null);
  assert.throws(() => ecg.parsePmdControlPoint(new Uint8Array([0x02, 0x00])),
    { message: 'PMD control point answer of 2 bytes: expected at least 4 (F0, opcode, measurement type, status), found [02 00]' });
});

test('a real record streamed as PMD frames: heart rate within 2 bpm of its annotations at every update', async () => {
  const { mv, beatsS } = await loadReplay(ecg, `${fixtures}mitbih/100_2min`, 'II');
  assert.equal(mv.length, 120 * FS_HZ);
  const stream = ecg.createStream({ source: 'ecg', fsHz: 130, lead: 'ECG' });
  const updates = [];
  let received = 0;
  for (const frame of pmdFrames(mv)) {
    const out = stream.pushPmdFrame(frame);
    assert.equal(out.dropped, false);
    assert.equal(out.gapSamples, 0);
    received += out.samples.length;
    if (out.findings) updates.push(out.findings);
  }
  assert.equal(received, mv.length);
  assert.equal(updates.length, 24, 'one update every 5 s of 120 s');
  assert.deepEqual(updates.map((f) => f.update), Array.from({ length: 24 }, (_, i) => i + 1));
  let maxError = 0;
  for (const f of updates.filter((u) => u.elapsed_s >= 15)) {
    const ref = referenceHr(beatsS, ...f.hr_window_s);
    maxError = Math.max(maxError, Math.abs(f.heart_rate_bpm - ref));
    assert.ok(Math.abs(f.heart_rate_bpm - ref) <= 2, `update ${f.update}: ${f.heart_rate_bpm.toFixed(1)} bpm, annotations ${ref.toFixed(1)} bpm`);
    assert.equal(f.inconclusive, false, f.inconclusive_reasons.join('; '));
  }
  console.log(`# live JS API [100_2min as PMD frames]: max |HR - annotation HR| = ${maxError.toFixed(2)} bpm`);
  const last = updates.at(-1);
  assert.equal(last.af_suspected, false);
  assert.equal(last.irregular_rr.decision, 'negative');
  assert.ok(stream.analysisBytes < 64 * 1024, `analysis state ${stream.analysisBytes} bytes`);

  // The session as a record and as WFDB files that read back as the same 130 Hz lead.
  const session = stream.samples('s1');
  assert.ok(session instanceof EcgRecord);
  assert.equal(session.fsHz, 130);
  assert.deepEqual(session.leads, ['ECG']);
  assert.equal(session.nSamples, mv.length);
  const files = stream.sessionFiles('s1', 'wfdb');
  assert.deepEqual(files.map((f) => f.name), ['s1.hea', 's1.dat']);
  const back = ecg.readRecord(files);
  assert.equal(back.nSamples, mv.length);
  for (const i of [0, 1000, 9999]) assert.ok(Math.abs(back.lead('ECG')[i] - mv[i]) < 0.0006);
  const [csv] = stream.sessionFiles('s1', 'csv');
  assert.equal(csv.name, 's1.csv');
  assert.match(new TextDecoder().decode(csv.bytes.subarray(0, 40)), /^time_s,ECG \(mV\)\n0\.000000,/);
  stream.delete();
});

test('RR intervals from the Heart Rate service: AF suspected on CPSC 2021 persistent AF, heart rate within 2 bpm', async () => {
  const { beatsS } = await loadReplay(ecg, `${fixtures}cpsc2021/data_8_4`, 'I');
  const stream = ecg.createStream({ source: 'rr' });
  const updates = [];
  for (const value of heartRateValues(beatsS)) {
    const out = stream.pushHeartRateMeasurement(value);
    assert.ok(out.rrMs.length >= 1);
    if (out.findings) updates.push(out.findings);
  }
  assert.ok(updates.length >= 6, `${updates.length} updates`);
  const last = updates.at(-1);
  const ref = referenceHr(beatsS, last.hr_window_s[0] + beatsS[0], last.hr_window_s[1] + beatsS[0] + 1e-6);
  assert.ok(Math.abs(last.heart_rate_bpm - ref) <= 2, `${last.heart_rate_bpm} bpm vs annotations ${ref} bpm`);
  assert.equal(last.af_suspected, true);
  assert.equal(last.af_source, 'rule');
  assert.equal(last.source, 'rr');
  assert.ok(last.irregular_rr.evidence[0].value > 0.1);
  assert.match(last.irregular_rr.note, /no P-wave evidence/);
  assert.equal(typeof last.device_heart_rate_bpm, 'number');
  const [csv] = stream.sessionFiles('rr', 'csv');
  assert.match(new TextDecoder().decode(csv.bytes), /^time_s,rr_ms\n\d+\.\d{3},\d+\.\d\n/);
  stream.delete();
});

test('live errors name what was expected and what was found', () => {
  assert.throws(() => ecg.createStream({ source: 'ppg' }),
    { message: 'source: expected one of "ecg", "rr" (ecg: samples or PMD frames; rr: Heart Rate service RR intervals), found a string "ppg"' });
  assert.throws(() => ecg.createStream({ fsHz: 'fast' }),
    { message: 'fsHz: expected a number (Hz, from 100 to 1000: the R-peak detector\'s range), found a string "fast"' });
  assert.throws(() => ecg.createStream({ speed: 2 }), { message: /^unknown option 'speed' in live stream options \(expected one of: source, fsHz, / });
  assert.throws(() => ecg.createStream({ keepS: 5 }),
    { message: 'keepS: expected a number (seconds, from rhythmWindowS + updateEveryS + 10 = 45 to 3600), found 5' });
  const stream = ecg.createStream();
  assert.throws(() => stream.pushPmdFrame(new Uint8Array(7)),
    { message: 'PMD frame of 7 bytes: expected at least 10 (type, 8-byte timestamp, frame type), found [00 00 00 00 00 00 00]' });
  assert.throws(() => stream.pushHeartRateMeasurement(new Uint8Array([0x10, 70])),
    { message: 'live ECG stream: expected ECG samples or PMD frames, found RR intervals' });
  // A plain sample push works too, with a gap reported by the caller.
  assert.equal(stream.push(new Float32Array(130)), null);
  stream.push(new Float32Array(650).fill(0.01), { gapSamples: 65 });
  const f = stream.update();
  assert.equal(f.n_gaps, 1);
  assert.ok(Math.abs(f.gap_s - 0.5) < 1e-9);
  stream.delete();
});

test('an ECG stream runs the shipped rhythm model by default (models loaded), none when rhythmModel is null', async () => {
  const withModels = await loadEcgScreen();
  const { mv } = await loadReplay(withModels, `${fixtures}mitbih/100_2min`, 'II');
  const last40s = mv.subarray(mv.length - 40 * FS_HZ);
  const stream = withModels.createStream({ fsHz: 130 });
  stream.push(last40s);
  const f = stream.update();
  assert.equal(f.model.name, 'rhythm-1');
  assert.equal(f.model.window_s, 30);
  assert.deepEqual(f.model.classes.map((c) => c.abbr), ['NSR', 'AF', 'OTHER', 'NOISY']);
  assert.ok(Math.abs(f.model.classes.reduce((s, c) => s + c.probability, 0) - 1) < 1e-5);
  assert.equal(f.model.decided, 'NSR');  // MIT-BIH 100: sinus rhythm (the native test checks the same window)
  stream.delete();
  const plain = withModels.createStream({ fsHz: 130, rhythmModel: null });
  plain.push(last40s);
  assert.equal(plain.update().model, null);
  plain.delete();
  // RR streams take no rhythm model; a model that is not a rhythm model is refused with its name.
  withModels.createStream({ source: 'rr' }).delete();
  const screening = withModels.modelFiles.find((m) => m.name.startsWith('mobilenet1d-12'));
  assert.throws(() => withModels.createStream({ rhythmModel: screening }), { message: /^mobilenet1d-12\.safetensors: .*rhythm/ });
});

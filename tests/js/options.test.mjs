// Every options object of the JS API, as a table: an unknown key, a wrong type per key and a valid
// call, each with the exact message (the core's tables in core/screen/options.cpp, or checkOptions).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { loadEcgScreen } from '../../web/lib/ecg-screen.js';
import { readRecordFromPath } from '../../web/lib/node.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const ecg = await loadEcgScreen({ models: [] });
const record = await readRecordFromPath(ecg, `${fixtures}wfdb/00003_hr`);
const csv = { name: 'ii.csv', bytes: new TextEncoder().encode('I,II\n' + Array.from({ length: 50 }, (_, t) => `${t},${2 * t}`).join('\n') + '\n') };
const tinyModel = readFileSync(`${fixtures}nn/tiny-leadwise.safetensors`);

// [what is called, the call with bad options, the exact message]
const unknown = (what, keys) => `unknown option 'bogus' in ${what} (expected one of: ${keys})`;
const READ_KEYS = 'fsHz, units, deriveLimbLeads';
const LIVE_KEYS = 'source, fsHz, lead, updateEveryS, keepS, hrWindowS, rhythmWindowS, recordS, startUnixMs, rhythmModel';
const TABLE = [
  // readRecord options (the core)
  ['readRecord', () => ecg.readRecord([csv], { bogus: 1 }), unknown('readRecord options', READ_KEYS)],
  ['readRecord', () => ecg.readRecord([csv], { fsHz: 'x' }), 'fsHz: expected a number (above 10 and at most 20000 Hz), found a string "x"'],
  ['readRecord', () => ecg.readRecord([csv], { fsHz: 5 }), 'fsHz: expected a number (above 10 and at most 20000 Hz), found 5'],
  ['readRecord', () => ecg.readRecord([csv], { fsHz: NaN }), 'fsHz: expected a JSON value (a finite number, a string, true or false), found NaN'],
  ['readRecord', () => ecg.readRecord([csv], { units: 1000 }), 'units: expected a string ("mV", "uV" or "µV"), found 1000'],
  ['readRecord', () => ecg.readRecord([csv], { deriveLimbLeads: 'yes' }),
    'deriveLimbLeads: expected true or false (add III, aVR, aVL, aVF computed from I and II), found a string "yes"'],
  ['readRecord', () => ecg.readRecord([csv], 'uV'), 'readRecord options: expected an object, found a string "uV"'],
  ['readRecord', () => ecg.readRecord([csv], [500]), 'readRecord options: expected an object, found an array'],
  // patient (the core); screen() names the record first, as for any error while screening
  ['screen', () => ecg.screen(record, { bogus: 1 }), `00003_hr: ${unknown('patient', 'age, sex')}`],
  ['screen', () => ecg.screen(record, { age: '56' }), '00003_hr: age: expected a number (years, between 0 and 150), found a string "56"'],
  ['screen', () => ecg.screen(record, { age: 400 }), '00003_hr: age: expected a number (years, between 0 and 150), found 400'],
  ['screen', () => ecg.screen(record, { sex: 'F' }),
    '00003_hr: sex: expected one of "female", "male", "unknown" (the patient\'s sex), found a string "F"'],
  ['screenCsv', () => ecg.screenCsv(record, { sex: 1 }), '00003_hr: sex: expected one of "female", "male", "unknown" (the patient\'s sex), found 1'],
  ['evaluateRules', () => ecg.evaluateRules(record, { bogus: 1 }), unknown('patient', 'age, sex')],
  ['evaluateRules', () => ecg.evaluateRules(record, { age: true }), 'age: expected a number (years, between 0 and 150), found true'],
  // live stream options (the core) and rhythmModel (here)
  ['createStream', () => ecg.createStream({ bogus: 1 }), unknown('live stream options', LIVE_KEYS)],
  ['createStream', () => ecg.createStream({ source: 1 }),
    'source: expected one of "ecg", "rr" (ecg: samples or PMD frames; rr: Heart Rate service RR intervals), found 1'],
  ['createStream', () => ecg.createStream({ fsHz: '130' }), 'fsHz: expected a number (Hz, from 100 to 1000: the R-peak detector\'s range), found a string "130"'],
  ['createStream', () => ecg.createStream({ lead: 2 }), 'lead: expected a string (the lead\'s name), found 2'],
  ['createStream', () => ecg.createStream({ updateEveryS: '5' }), 'updateEveryS: expected a number (seconds, from 0.5 to 60), found a string "5"'],
  ['createStream', () => ecg.createStream({ keepS: '60' }),
    'keepS: expected a number (seconds, from rhythmWindowS + updateEveryS + 10 to 3600), found a string "60"'],
  ['createStream', () => ecg.createStream({ keepS: 5 }), 'keepS: expected a number (seconds, from rhythmWindowS + updateEveryS + 10 = 45 to 3600), found 5'],
  ['createStream', () => ecg.createStream({ hrWindowS: [] }), 'hrWindowS: expected a number (seconds, from 3 to rhythmWindowS), found an array'],
  ['createStream', () => ecg.createStream({ rhythmWindowS: {} }), 'rhythmWindowS: expected a number (seconds), found an object'],
  ['createStream', () => ecg.createStream({ recordS: false }), 'recordS: expected a number (seconds, from 0 to 172800 (48 h)), found false'],
  ['createStream', () => ecg.createStream({ startUnixMs: 'now' }), 'startUnixMs: expected a number (ms since 1970 UTC), found a string "now"'],
  ['createStream', () => ecg.createStream({ rhythmModel: 'rhythm-1' }),
    'rhythmModel: expected a model file {name, bytes} or null, found a string "rhythm-1"'],
  // options handled in JS (checkOptions)
  ['loadModel', () => ecg.loadModel(tinyModel, { bogus: 1 }), unknown('loadModel options', 'backend')],
  ['loadModel', () => ecg.loadModel(tinyModel, { backend: 1 }), 'backend: expected "simd" or "reference", found 1'],
  ['evalCase', () => ecg.evalCase(record, { bogus: 1 }), unknown('evalCase options', 'leadSet')],
  ['evalCase', () => ecg.evalCase(record, { leadSet: 12 }),
    'leadSet: expected a string ("12", "6", "4", "3" or "2"; "" for every lead of the record), found 12'],
  ['evalReport', () => ecg.evalReport({ recordsInFolder: 1, bogus: 1 }), unknown('evalReport options', 'leadSet, shard, recordsInFolder')],
  ['evalReport', () => ecg.evalReport({ recordsInFolder: 1, shard: { k: 3, n: 2 } }), 'shard: expected {k, n} with 1 <= k <= n, or null, found an object'],
  ['evalReport', () => ecg.evalReport({ recordsInFolder: '1' }), 'recordsInFolder: expected a whole number of 0 or more (the records listed), found a string "1"'],
  ['inShard', () => ecg.inShard('a/b.hea', { k: 1, n: 2, m: 3 }), "unknown option 'm' in shard (expected one of: k, n)"],
  ['inShard', () => ecg.inShard('a/b.hea', { k: '1', n: 2 }), 'k: expected a whole number from 1 to n, found a string "1"'],
  ['detectRpeaks', () => ecg.detectRpeaks(record, { bogus: 1 }), unknown('detectRpeaks options', 'lead')],
  ['detectRpeaks', () => ecg.detectRpeaks(record, { lead: 2 }), 'lead: expected a string (a lead name, e.g. "II"), found 2'],
  ['delineate', () => ecg.delineate(record, { lead: null }), 'lead: expected a string (a lead name, e.g. "II"), found null'],
  ['quality', () => ecg.quality(record, { windows: 1 }), "windows: expected true or false (include every window's measurements), found 1"],
  ['resample', () => ecg.resample(record.lead('II'), 500, 250, { quality: 'best' }), 'quality: expected "scipy" or "high", found a string "best"'],
  ['bandpass', () => ecg.bandpass(record.lead('II'), 500, { loHz: '0.5' }), 'loHz: expected a number (Hz), found a string "0.5"'],
  ['bandpass', () => ecg.bandpass(record.lead('II'), 500, { hiHz: 45, lowHz: 1 }), "unknown option 'lowHz' in bandpass options (expected one of: loHz, hiHz)"],
];

test('every options object: unknown keys and wrong types are refused with the option\'s name, expected and found', () => {
  for (const [what, call, message] of TABLE) assert.throws(call, { message }, what);
});

test('no JSON library jargon reaches the user', () => {
  for (const [what, call] of TABLE) {
    try { call(); } catch (error) { assert.doesNotMatch(error.message, /json\.exception|type must be/, what); }
  }
});

test('valid options of every type are accepted', async () => {
  const r = ecg.readRecord([csv], { fsHz: 250, units: 'uV', deriveLimbLeads: true });
  assert.equal(r.fsHz, 250);
  assert.equal(ecg.readRecord([csv], { fsHz: 250, units: 'uV', deriveLimbLeads: undefined }).leads.length, 2);  // undefined: absent
  assert.equal((await readRecordFromPath(ecg, `${fixtures}wfdb/00003_hr`, { deriveLimbLeads: false })).name, '00003_hr');
  assert.equal(ecg.screen(record, { age: 56, sex: 'female' }).sex, 'female');
  assert.equal(ecg.screen(record, { age: null, sex: null }).age, record.age);  // null: the record's own
  assert.match(ecg.screenCsv(record, {}), /^00003_hr,/);
  assert.ok(ecg.evaluateRules(record, { sex: 'male' }));
  const stream = ecg.createStream({ source: 'ecg', fsHz: 130, lead: 'ECG', updateEveryS: 5, keepS: 60, hrWindowS: 10, rhythmWindowS: 30,
    recordS: 0, startUnixMs: 1.7e12, rhythmModel: null });
  stream.push(new Float32Array(130), { gapSamples: 0 });
  stream.delete();
  ecg.createStream({ source: 'rr' }).delete();
  const model = ecg.loadModel(tinyModel, { backend: 'reference' });
  model.delete();
  assert.equal(ecg.evalCase(record, { leadSet: '' }).record, '00003_hr');
  const report = ecg.evalReport({ leadSet: '', shard: null, recordsInFolder: 0 });
  assert.equal(report.result({ threads: 1, elapsedS: 0 }).n_records, 0);
  report.delete();
  assert.equal(typeof ecg.inShard('a/b.hea', { k: 1, n: 2 }), 'boolean');
  assert.ok(ecg.detectRpeaks(record, { lead: 'II' }).rpeaks.length > 0);
  assert.ok(ecg.quality(record, { windows: false }));
  assert.equal(ecg.resample(record.lead('II'), 500, 250, { quality: 'high' }).length, 2500);
  assert.equal(ecg.bandpass(record.lead('II'), 500, { loHz: 1, hiHz: 40 }).length, 5000);
});

test('loadEcgScreen options are checked before anything loads', async () => {
  await assert.rejects(loadEcgScreen({ models: [], bogus: 1 }), { message: unknown('loadEcgScreen options', 'wasmBinary, models, deferModels') });
  await assert.rejects(loadEcgScreen({ models: 'all' }), { message: 'models: expected an array of {name, bytes} model files, found a string "all"' });
  await assert.rejects(loadEcgScreen({ models: [], deferModels: 'yes' }),
    { message: 'deferModels: expected true or false (load the shipped models after the first on demand), found a string "yes"' });
  await assert.rejects(loadEcgScreen({ wasmBinary: 'ecg-core.wasm' }),
    { message: 'wasmBinary: expected a Uint8Array or ArrayBuffer (the .wasm bytes), found a string "ecg-core.wasm"' });
  await assert.rejects(loadEcgScreen(5), { message: 'loadEcgScreen options: expected an object, found 5' });
  assert.deepEqual((await loadEcgScreen({ models: [], deferModels: false })).models, []);
});

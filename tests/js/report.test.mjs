// The report's presentation tables and batch helpers (web/report.js, web/batch.js) on the real
// Findings of the fixtures: the measurement block's text, the class -> group table, the batch filter,
// sort, CSV / JSON export and the progress line at its boundaries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { progressText, toCsv, toJson, visibleEntries } from '../../web/batch.js';
import { CLASS_GROUPS, formatMeasurement, groupedFindings, isAbnormal, measurementBlock, positiveText } from '../../web/report.js';
import { loadEcgScreen } from '../../web/lib/ecg-screen.js';
import { readRecordFromPath } from '../../web/lib/node.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const ecg = await loadEcgScreen();
const sample = ecg.screen(await readRecordFromPath(ecg, `${fixtures}wfdb/00003_hr`), {});
const other = ecg.screen(await readRecordFromPath(ecg, `${fixtures}train/ptbxl/00001_hr`), {});

test('measurement block: the core\'s values in its units, the QTc formula named, reasons for what was not measured', () => {
  const rows = measurementBlock(sample);
  assert.deepEqual(rows.map((r) => r.label), ['HR', 'RR', 'PR', 'QRS', 'QT', `QTc (${sample.measurements.qtc_ms.formula})`, 'P axis', 'QRS axis', 'T axis']);
  const pr = rows.find((r) => r.key === 'pr_ms');
  assert.equal(pr.text, `${Math.round(sample.measurements.pr_ms.value)} ms`);
  assert.equal(rows.find((r) => r.key === 'qrs_axis_deg').text, `${Math.round(sample.measurements.qrs_axis_deg.value)}°`);
  const missing = { ...sample, measurements: { ...sample.measurements, qt_ms: { value: null, unit: 'ms', method: '', reason: 'T-wave end found in fewer than half of the beats' } } };
  assert.equal(measurementBlock(missing).find((r) => r.key === 'qt_ms').text, 'not measured: T-wave end found in fewer than half of the beats');
  // Rounding at the half: 129.5 ms prints 130, 129.49 prints 129.
  for (const [value, text] of [[129.5, '130 ms'], [129.49, '129 ms'], [-0.4, '0°'], [-30.5, '-30°']]) {
    assert.equal(formatMeasurement({ value, unit: value < 0 ? 'deg' : 'ms' }), text);
  }
});

test('every class of the label table is in exactly one group; positive findings land in theirs', () => {
  const all = Object.values(CLASS_GROUPS).flat();
  assert.equal(new Set(all).size, all.length, 'a class in two groups');
  for (const c of sample.classes) assert.ok(all.includes(c.abbr), `${c.abbr} has a group`);
  const groups = groupedFindings(sample);
  assert.deepEqual(groups.map((g) => g.group), ['rhythm', 'conduction', 'axis', 'voltage', 'repolarisation', 'other']);
  const listed = groups.flatMap((g) => g.items.filter((i) => !i.hint).map((i) => i.abbr));
  assert.deepEqual(listed.sort(), sample.classes.filter((c) => c.decision).map((c) => c.abbr).sort());
});

test('batch: abnormal filter, stable sort, CSV with every result and quoted fields, JSON with the whole Findings', () => {
  const entries = [
    { name: 'a', state: 'screened', result: { findings: sample } },
    { name: 'b', state: 'error', error: 'could not recognise the record format of: b.txt, "quoted"' },
    { name: 'c', state: 'screened', result: { findings: other } },
    { name: 'd', state: 'cancelled' },
  ];
  const abnormal = visibleEntries(entries, { abnormalOnly: true }).map((e) => e.name);
  assert.deepEqual(abnormal, ['b', ...(isAbnormal(sample) ? ['a'] : []), ...(isAbnormal(other) ? ['c'] : [])].sort());
  const byHr = visibleEntries(entries, { sortKey: 'hr' }).map((e) => e.name);
  const hr = (f) => f.heart_rate_bpm;
  assert.deepEqual(byHr, ['b', 'd', ...(hr(sample) <= hr(other) ? ['a', 'c'] : ['c', 'a'])], 'records without a rate first, then ascending; ties keep their order');
  assert.deepEqual(visibleEntries(entries, { text: 'RECOGNISE' }).map((e) => e.name), ['b']);
  const csv = toCsv(entries).split('\r\n');
  assert.equal(csv.length, 6);  // header, four rows, final empty line
  assert.ok(csv[1].startsWith(`a,screened,${sample.heart_rate_bpm.toFixed(1)},`));
  assert.ok(csv[1].includes(`,${sample.measurements.pr_ms.value.toFixed(1)},`));
  assert.ok(csv[2].endsWith(',"could not recognise the record format of: b.txt, ""quoted"""'));
  assert.ok(csv[4].startsWith('d,cancelled,'));
  const json = JSON.parse(toJson(entries));
  assert.deepEqual(json[0].findings, sample);
  assert.equal(json[1].error, entries[1].error);
  assert.equal(positiveText({ ...sample, inconclusive: true }), 'withheld (inconclusive)');
});

test('progress line: count, and the time left from the mean so far, in s below 90 s and in min from 90 s', () => {
  const rows = [
    [0, 200, 0, '0 of 200 screened'],
    [10, 200, 2000, '10 of 200 screened, about 38 s left'],
    [10, 200, 4736, '10 of 200 screened, about 2 min left'],
    [10, 200, 4711, '10 of 200 screened, about 2 min left'],
    [10, 200, 4684, '10 of 200 screened, about 89 s left'],
    [200, 200, 60000, '200 of 200 screened'],
  ];
  for (const [done, total, ms, text] of rows) assert.equal(progressText(done, total, ms), text, `${done}/${total} after ${ms} ms`);
});

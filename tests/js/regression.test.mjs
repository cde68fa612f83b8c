// Screens the regression fixtures and compares with the stored expected Findings
// (tests/fixtures/expected/, regenerated only by `node tools/regen-expected.mjs`).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { loadEcgScreen } from '../../web/lib/ecg-screen.js';
import { readRecordFromPath } from '../../web/lib/node.js';
import { REGRESSION_RECORDS, comparable } from './regression-records.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FLOAT_TOLERANCE = 1e-6;  // relative; the core is deterministic, this only absorbs float printing
const ecg = await loadEcgScreen();

// Deep comparison with a relative tolerance for numbers; reports the path of the first difference.
function assertClose(actual, expected, path = 'findings') {
  if (typeof expected === 'number' && typeof actual === 'number') {
    const scale = Math.max(1, Math.abs(expected));
    assert.ok(Math.abs(actual - expected) <= FLOAT_TOLERANCE * scale, `${path}: expected ${expected}, found ${actual}`);
  } else if (expected && typeof expected === 'object') {
    assert.equal(typeof actual, 'object', `${path}: expected an object or array, found ${JSON.stringify(actual)}`);
    assert.deepEqual(Object.keys(actual ?? {}).sort(), Object.keys(expected).sort(), `${path}: keys differ`);
    for (const key of Object.keys(expected)) assertClose(actual[key], expected[key], `${path}.${key}`);
  } else {
    assert.equal(actual, expected, `${path}`);
  }
}

for (const { path, patient } of REGRESSION_RECORDS) {
  test(`findings of ${path} match tests/fixtures/expected`, async () => {
    const findings = comparable(ecg.screen(await readRecordFromPath(ecg, `${ROOT}${path}`), patient));
    const expected = JSON.parse(readFileSync(`${ROOT}tests/fixtures/expected/${findings.record}.findings.json`, 'utf8'));
    assertClose(findings, expected);
  });
}

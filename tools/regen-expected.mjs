// Regenerates the stored expected Findings that tests/js/regression.test.mjs compares against.
// Run it only on purpose, after checking that a change in findings is intended, and commit the diff:
//   node tools/regen-expected.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { loadEcgScreen } from '../web/lib/ecg-screen.js';
import { readRecordFromPath } from '../web/lib/node.js';
import { REGRESSION_RECORDS, comparable } from '../tests/js/regression-records.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = `${ROOT}tests/fixtures/expected/`;
mkdirSync(OUT, { recursive: true });
const ecg = await loadEcgScreen();
for (const { path, patient } of REGRESSION_RECORDS) {
  const findings = comparable(ecg.screen(await readRecordFromPath(ecg, `${ROOT}${path}`), patient));
  const file = `${OUT}${findings.record}.findings.json`;
  writeFileSync(file, `${JSON.stringify(findings, null, 1)}\n`);
  console.log(`wrote ${file.slice(ROOT.length)}`);
}

// The fixtures screened by the regression test, and how findings are made comparable (run-to-run
// noise such as timings removed). Shared by tests/js/regression.test.mjs and tools/regen-expected.mjs.
export const REGRESSION_RECORDS = [
  { path: 'tests/fixtures/wfdb/00003_hr', patient: { age: 37, sex: 'female' } },
  { path: 'tests/fixtures/train/ptbxl/00001_hr', patient: {} },
];

export function comparable(findings) {
  const { timings, ...rest } = findings;
  return rest;
}

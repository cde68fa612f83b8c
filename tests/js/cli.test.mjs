// The Node CLI (package.json bin) on the wasm core: output, parallel folders, exit codes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const cli = (...args) => spawnSync('node', ['web/lib/cli.js', ...args], { encoding: 'utf8' });

test('screen prints the findings of a record as one JSON line', () => {
  const run = cli('screen', 'tests/fixtures/wfdb/00003_hr', '--age', '37', '--sex', 'female');
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const findings = JSON.parse(lines[0]);
  assert.equal(findings.record, '00003_hr');
  assert.equal(findings.rpeaks.length, 11);
  assert.equal(findings.age, 37);
});

test('folders expand to their records, screened on two worker threads, printed in input order', () => {
  const run = cli('info', '--jobs', '2', 'tests/fixtures/wfdb', 'tests/fixtures/train/ptbxl');
  assert.equal(run.status, 0, run.stderr);
  const records = run.stdout.trim().split('\n').map((l) => JSON.parse(l).record);
  assert.deepEqual(records, ['00003_hr', '00001_hr']);
});

test('a record that cannot be read is named on stderr and makes the exit status 1; others still print', () => {
  const run = cli('info', '--jobs', '2', 'tests/fixtures/wfdb/00003_hr', 'tests/fixtures/wfdb/missing');
  assert.equal(run.status, 1);
  assert.equal(JSON.parse(run.stdout.trim()).record, '00003_hr');
  assert.match(run.stderr, /tests\/fixtures\/wfdb\/missing.*cannot open the file/);
});

test('bad usage exits with 2 and prints the usage', () => {
  for (const args of [['frobnicate', 'x'], ['screen'], ['screen', '--jobs', '0', 'x'], ['screen', '--color', 'x']]) {
    const run = cli(...args);
    assert.equal(run.status, 2, args.join(' '));
    assert.match(run.stderr, /usage: ecg-screen/);
  }
});

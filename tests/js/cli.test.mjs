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

test('a folder also stands for its CSV and EDF files', () => {
  const run = cli('info', '--units', 'uV', 'tests/fixtures/edf', 'tests/fixtures/csv');
  const formats = run.stdout.trim().split('\n').map((l) => JSON.parse(l).format);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(formats.filter((f) => f.startsWith('edf')).length, 1);
  assert.equal(formats.filter((f) => f === 'csv').length, 3);
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

// ---- eval: screening scored against labels with the CinC 2021 challenge metric ------------------
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const native = (...args) => spawnSync('build/native/ecg-screen', args, { encoding: 'utf8' });
const EVAL_DIR = 'tests/fixtures/train/cinc';  // A0002 (NSR), A0003 (AF), E00015 (LQRSV, PAC), HR00001 (LQRSV, NSR)

test('eval counts every label and every positive decision that screen makes, per class', () => {
  const run = cli('eval', '--quiet', EVAL_DIR);
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.equal(result.n_records, 4);
  assert.equal(result.n_files, 4);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.models, { 'mobilenet1d-12': 4 });
  const byAbbr = Object.fromEntries(result.classes.map((c) => [c.abbr, c]));
  const labelled = { AF: 1, NSR: 2, LQRSV: 2, 'PAC|SVPB': 1 };
  for (const c of result.classes) assert.equal(c.tp + c.fn, labelled[c.abbr] ?? 0, c.abbr);
  for (const c of result.classes) assert.equal(c.tp + c.fp + c.fn + c.tn, 4, c.abbr);
  // the same records through 'screen': every positive decision is an output of eval
  const screened = cli('screen', EVAL_DIR).stdout.trim().split('\n').map((l) => JSON.parse(l));
  const positives = {};
  for (const f of screened) for (const c of f.classes) if (c.decision) positives[c.snomed] = (positives[c.snomed] ?? 0) + 1;
  for (const c of result.classes) {
    const expected = c.codes.reduce((n, code) => n + (positives[code] ?? 0), 0);
    assert.equal(c.tp + c.fp, expected, c.abbr);
  }
  assert.ok(result.challenge_metric > -2 && result.challenge_metric <= 1);
});

test('eval in Node (worker threads) and natively (std::thread) give the same scores on a lead set', () => {
  const node = JSON.parse(cli('eval', '--quiet', '--leads', '2', '--jobs', '2', EVAL_DIR).stdout);
  const nat = native('eval', '--quiet', '--leads', '2', '--threads', '2', EVAL_DIR);
  assert.equal(nat.status, 0, nat.stderr);
  const n = JSON.parse(nat.stdout);
  assert.equal(node.lead_set, '2');
  assert.equal(n.lead_set, '2');
  assert.deepEqual(node.models, n.models);
  assert.ok(Math.abs(node.challenge_metric - n.challenge_metric) < 1e-9, `${node.challenge_metric} vs ${n.challenge_metric}`);
  assert.deepEqual(node.classes.map((c) => [c.tp, c.fp, c.fn, c.tn]), n.classes.map((c) => [c.tp, c.fp, c.fn, c.tn]));
});

test('eval skips unlabelled records and those lacking a lead of the set, and names unreadable ones', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecg-eval-'));
  try {
    cpSync(EVAL_DIR, join(dir, 'cinc'), { recursive: true });
    for (const ext of ['hea', 'dat']) cpSync(`tests/fixtures/mitbih/100_10s.${ext}`, join(dir, `100_10s.${ext}`));  // no #Dx labels
    writeFileSync(join(dir, 'broken.hea'), 'broken 12 500\n');                  // no sample count, no signals
    for (const run of [cli('eval', '--quiet', '--leads', '3', dir), native('eval', '--quiet', '--leads', '3', dir)]) {
      assert.equal(run.status, 1);
      const result = JSON.parse(run.stdout);
      assert.equal(result.n_records, 4);
      assert.equal(result.skipped['no labels'], 1);
      assert.equal(result.errors.length, 1);
      assert.match(result.errors[0].file, /broken\.hea$/);
      assert.match(run.stderr, /broken\.hea/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('eval rejects an unknown lead set in Node and natively', () => {
  const bad = cli('eval', '--leads', '5', EVAL_DIR);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--leads: got '5', expected 12, 6, 4, 3 or 2/);
  assert.equal(native('eval', '--leads', '5', EVAL_DIR).status, 2);
});

// ---- --model with a record it cannot screen; one-lead records and the rhythm model ----------------
import { readFileSync } from 'node:fs';

test('screen --model with a model that cannot screen the record says why and exits 1, in Node and natively', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecg-one-lead-'));
  try {
    // a one-lead CSV: the time column and lead I of the 12-lead CSV fixture
    const oneLead = join(dir, 'lead_i.csv');
    writeFileSync(oneLead, readFileSync('tests/fixtures/csv/00003_lr.csv', 'utf8').split('\n').map((l) => l.split(',').slice(0, 2).join(',')).join('\n'));
    const cases = [
      [['models/rhythm-1.safetensors', 'tests/fixtures/wfdb/00003_hr'], /00003_hr: no model given can screen this record: it has 12 leads .*rhythm-1 \(a rhythm model\) reads one-lead records only \(--model\)/],
      [['models/mobilenet1d-12.safetensors', oneLead], /lead_i\.csv: no model given can screen this record: it has 1 lead \(I\), and mobilenet1d-12 needs leads I II III aVR aVL aVF V1 V2 V3 V4 V5 V6 \(--model\)/],
    ];
    for (const [[model, record], message] of cases) {
      for (const run of [cli('screen', '--model', model, record), native('screen', '--model', model, record)]) {
        assert.equal(run.status, 1, `${model} ${record}: ${run.stderr}`);
        assert.equal(run.stdout, '');
        assert.match(run.stderr, message);
      }
    }
    // the same one-lead record with the rhythm model: screened, AF decided by the rhythm model
    for (const run of [cli('screen', '--model', 'models/rhythm-1.safetensors', 'tests/fixtures/cinc2017/A01192'),
                       native('screen', '--model', 'models/rhythm-1.safetensors', 'tests/fixtures/cinc2017/A01192')]) {
      assert.equal(run.status, 0, run.stderr);
      const f = JSON.parse(run.stdout);
      assert.equal(f.model.name, 'rhythm-1');
      assert.equal(f.rhythm.decided, 'AF');
      const af = f.classes.find((c) => c.snomed === '164889003');
      assert.equal(af.decision, true);
      assert.equal(af.source, 'model');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

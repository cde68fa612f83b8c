// The npm package as a portal developer gets it: `npm pack`, `npm install <tarball> --offline` into
// an empty folder outside the repository, then a record screened through the JS API ('ecg-screen' and
// 'ecg-screen/node') and through the `ecg-screen` CLI (node_modules/.bin and npx), with the results
// compared to the same screening by the repository's own code; and the package's .d.ts checked by
// `tsc --noEmit` against the example consumer (tests/types/consumer.ts), in the repository and in the
// installed folder. Needs the wasm build (web/gen/), as every JS test does; no network.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { loadEcgScreen } from '../../web/lib/ecg-screen.js';
import { readRecordFromPath } from '../../web/lib/node.js';
import { comparable } from './regression-records.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGE = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8'));
const TSC = `${ROOT}node_modules/typescript/bin/tsc`;
const PATIENT_ARGS = ['--age', '37', '--sex', 'female'];

let dir;  // temporary: the tarball and the consumer folder
let consumer;
let packed;  // npm pack --json's entry for the tarball

function run(cmd, args, cwd) {
  const result = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (result.error) throw result.error;
  return result;
}

function ok(result, what) {
  assert.equal(result.status, 0, `${what} failed (exit ${result.status}):\n${result.stderr}\n${result.stdout}`);
  return result;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecg-screen-package-'));
  const pack = ok(run('npm', ['pack', '--json', '--pack-destination', dir], ROOT), 'npm pack');
  packed = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('[')))[0];
  consumer = join(dir, 'portal');
  mkdirSync(join(consumer, 'records'), { recursive: true });
  writeFileSync(join(consumer, 'package.json'), `${JSON.stringify({ name: 'portal', private: true, type: 'module' })}\n`);
  // Offline and with an empty npm cache: nothing but the tarball is needed.
  ok(run('npm', ['install', '--offline', '--cache', join(dir, 'empty-npm-cache'), '--no-audit', '--no-fund', join(dir, packed.filename)], consumer),
    'npm install --offline of the tarball');
  for (const file of ['00003_hr.hea', '00003_hr.dat']) copyFileSync(`${ROOT}tests/fixtures/wfdb/${file}`, join(consumer, 'records', file));
});
after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

// The same record screened by the repository's code: what the installed package must reproduce.
const expected = (async () => {
  const ecg = await loadEcgScreen();
  return comparable(ecg.screen(await readRecordFromPath(ecg, `${ROOT}tests/fixtures/wfdb/00003_hr`), { age: 37, sex: 'female' }));
})();

test('package.json describes a public package with entry points that exist', () => {
  assert.notEqual(PACKAGE.private, true, 'the package must not be private');
  assert.match(PACKAGE.version, /^\d+\.\d+\.\d+(-[\w.]+)?$/);
  assert.deepEqual(Object.keys(PACKAGE.dependencies ?? {}), [], 'no runtime dependencies (installs offline)');
  const targets = [PACKAGE.types, ...Object.values(PACKAGE.bin),
    ...Object.values(PACKAGE.exports).flatMap((e) => (typeof e === 'string' ? [e] : Object.values(e)))];
  for (const target of targets) assert.ok(existsSync(join(ROOT, target)), `package.json names ${target}, which does not exist`);
  assert.deepEqual(Object.keys(PACKAGE.exports).sort(), ['.', './element', './node', './package.json']);
});

test('the tarball carries the models, the wasm build and the JS API, and nothing of the sources or tests', () => {
  const files = packed.files.map((f) => f.path);
  const models = readdirSync(`${ROOT}models`).filter((f) => f.endsWith('.safetensors'));
  assert.ok(models.length >= 5, `expected the shipped models in models/, found ${models.join(', ')}`);
  for (const model of models) assert.ok(files.includes(`models/${model}`), `models/${model} is not in the package`);
  for (const file of ['web/gen/ecg-core.wasm', 'web/gen/ecg-core.mjs', 'web/gen/models.json', 'web/lib/ecg-screen.js',
    'web/lib/ecg-screen.d.ts', 'web/lib/node.js', 'web/lib/node.d.ts', 'web/lib/cli.js', 'web/ecg-screen-element.js',
    'web/ecg-screen-element.d.ts', 'web/worker.js', 'web/gen/sample/00003_hr.dat', 'README.md', 'package.json']) {
    assert.ok(files.includes(file), `${file} is not in the package`);
  }
  assert.deepEqual(files.filter((f) => /^(core|tests|tools|build|docs|node_modules)\//.test(f)), []);
  // Every model web/gen/models.json lists (loadEcgScreen()'s default) is in the package.
  const listed = JSON.parse(readFileSync(`${ROOT}web/gen/models.json`, 'utf8')).map((m) => `models/${m.file}`);
  assert.deepEqual(listed.filter((f) => !files.includes(f)), []);
  assert.ok(packed.size < 4 * 1024 * 1024, `tarball of ${packed.size} bytes; expected under 4 MiB`);
});

test('installed offline, the package brings no dependencies with it', () => {
  const installed = readdirSync(join(consumer, 'node_modules')).filter((f) => !f.startsWith('.'));
  assert.deepEqual(installed, ['ecg-screen']);
  const lock = JSON.parse(readFileSync(join(consumer, 'package-lock.json'), 'utf8'));
  assert.deepEqual(Object.keys(lock.packages).filter((p) => p).sort(), ['node_modules/ecg-screen']);
  assert.equal(lock.packages['node_modules/ecg-screen'].version, PACKAGE.version);
});

test('the JS API of the installed package screens a record with the shipped models', async () => {
  writeFileSync(join(consumer, 'screen.mjs'), `import { loadEcgScreen } from 'ecg-screen';
import { readRecordFromPath } from 'ecg-screen/node';
const ecg = await loadEcgScreen();
const record = await readRecordFromPath(ecg, 'records/00003_hr');
const { timings, ...findings } = ecg.screen(record, { age: 37, sex: 'female' });
console.log(JSON.stringify({ modelFiles: ecg.modelFiles.length, findings }));
`);
  const { modelFiles, findings } = JSON.parse(ok(run('node', ['screen.mjs'], consumer), 'node screen.mjs').stdout);
  assert.equal(modelFiles, JSON.parse(readFileSync(`${ROOT}web/gen/models.json`, 'utf8')).length);
  assert.equal(findings.record, '00003_hr');
  assert.equal(findings.model?.name, 'mobilenet1d-12');
  assert.equal(findings.rpeaks.length, 11);
  assert.ok(Math.abs(findings.heart_rate_bpm - 64.1) < 0.1, `heart rate ${findings.heart_rate_bpm}`);
  assert.deepEqual(findings, await expected);
});

test('the installed CLI screens the record through node_modules/.bin and through npx --offline', async () => {
  const bin = ok(run(join(consumer, 'node_modules/.bin/ecg-screen'), ['screen', 'records/00003_hr', ...PATIENT_ARGS], consumer), '.bin/ecg-screen');
  assert.deepEqual(comparable(JSON.parse(bin.stdout)), await expected);
  const npx = ok(run('npx', ['--offline', '--no', 'ecg-screen', 'screen', '--csv', 'records/00003_hr', ...PATIENT_ARGS], consumer), 'npx ecg-screen');
  const [header, row, ...rest] = npx.stdout.trim().split('\n');
  assert.equal(header, 'record,model,lead_set,inconclusive,heart_rate_bpm,positive,quality,warnings');
  assert.match(row, /^00003_hr,mobilenet1d-12,12,no,64\.1,/);
  assert.deepEqual(rest, []);
  // Bad usage and a missing record keep their exit codes when installed.
  assert.equal(run('npx', ['--offline', '--no', 'ecg-screen', 'screen', 'records/missing'], consumer).status, 1);
  assert.equal(run('npx', ['--offline', '--no', 'ecg-screen', 'bogus'], consumer).status, 2);
});

test('the .d.ts type-checks the example consumer (tsc --noEmit) in the repository and against the installed package', () => {
  assert.ok(existsSync(TSC), `${TSC} is missing: TypeScript is a devDependency; run npm ci`);
  ok(run('node', [TSC, '--noEmit', '-p', 'tests/types'], ROOT), 'tsc -p tests/types');
  const types = join(consumer, 'types');
  mkdirSync(types);
  for (const file of ['consumer.ts', 'tsconfig.json']) copyFileSync(`${ROOT}tests/types/${file}`, join(types, file));
  ok(run('node', [TSC, '--noEmit', '-p', 'types'], consumer), 'tsc against the installed package');
  // The check can fail: a wrong use of the API is reported with the file and line.
  writeFileSync(join(types, 'consumer.ts'), `import { loadEcgScreen } from 'ecg-screen';\nconst ecg = await loadEcgScreen();\necg.screen(ecg.readRecord([]), { age: 'old' });\n`);
  const bad = run('node', [TSC, '--noEmit', '-p', 'types'], consumer);
  assert.equal(bad.status, 2);
  assert.match(bad.stdout, /consumer\.ts\(3,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
});

// Sharded batches (docs/scale-out.md): `eval --shard K/N` in N processes (one by one, or at once
// under GNU parallel), then `merge`, gives exactly the unsharded `eval` result, with the native tool
// (build/native/ecg-screen) and the Node tool (web/lib/cli.js); each record lands in the shard its
// name's FNV-1a 64 says (computed here independently with BigInt); merge refuses what is not one
// complete set of shards, in the same words from both tools.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, test } from 'node:test';

const NATIVE = 'build/native/ecg-screen';
const skip = !existsSync(NATIVE) && 'native build missing';
const hasParallel = spawnSync('parallel', ['--version'], { encoding: 'utf8' }).status === 0;
const TOOLS = { native: [NATIVE], node: ['node', 'web/lib/cli.js'] };
const run = (tool, args) => {
  const [cmd, ...pre] = TOOLS[tool];
  const r = spawnSync(cmd, [...pre, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, first: r.stderr.split('\n')[0] };
};

// FNV-1a 64 of the record name (file name without folder and extension), modulo N, plus 1.
const fnv1a64 = (text) => {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text)) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
};
const shardOf = (file, n) => Number(fnv1a64(basename(file).replace(/\.(hea|mat|dat|csv|edf)$/i, '')) % BigInt(n)) + 1;

// A folder of 7 real records: 5 labelled (CinC 2021: A0002 NSR, A0003 AF, E00015, HR00001, Q0016),
// one without labels (MIT-BIH 100, skipped) and one header that cannot be read (an error). By name
// they fall into all three shards of 3: HR00001, 100_10s | A0002, E00015, Q0016, broken | A0003.
const dir = mkdtempSync(join(tmpdir(), 'ecg-shard-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const data = join(dir, 'records');
mkdirSync(data);
for (const name of ['A0002', 'A0003', 'E00015', 'HR00001']) for (const ext of ['hea', 'mat']) copyFileSync(`tests/fixtures/train/cinc/${name}.${ext}`, join(data, `${name}.${ext}`));
for (const ext of ['hea', 'mat']) copyFileSync(`tests/fixtures/cinc/Q0016.${ext}`, join(data, `Q0016.${ext}`));
for (const ext of ['hea', 'dat']) copyFileSync(`tests/fixtures/mitbih/100_10s.${ext}`, join(data, `100_10s.${ext}`));
writeFileSync(join(data, 'broken.hea'), 'broken 12 500\n');
const N = 3;

const TIMING = ['elapsed_s', 'records_per_s', 'threads'];
const withoutTiming = (result) => Object.fromEntries(Object.entries(result).filter(([k]) => !TIMING.includes(k)));
const evalArgs = (tool) => ['eval', '--quiet', tool === 'native' ? '--threads' : '--jobs', '2', data];

// The unsharded result and the shards' files of each tool (computed once, used by several tests).
const results = {};
function evaluate(tool) {
  if (results[tool]) return results[tool];
  const whole = run(tool, evalArgs(tool));
  assert.equal(whole.status, 1, `${tool}: broken.hea makes the exit status 1: ${whole.stderr}`);
  const files = [];
  for (let k = 1; k <= N; k++) {
    const r = run(tool, [...evalArgs(tool), '--shard', `${k}/${N}`]);
    const file = join(dir, `${tool}-shard-${k}.json`);
    writeFileSync(file, r.stdout);
    files.push(file);
    const result = JSON.parse(r.stdout);
    const inShard = [...result.cases, ...result.errors];
    assert.equal(r.status, result.errors.length ? 1 : 0, `${tool} shard ${k}: ${r.stderr}`);
    assert.deepEqual({ ...result.shard, models: undefined }, { k, n: N, records_in_shard: inShard.length, records_in_folder: 7, models: undefined }, `${tool} shard ${k}`);
    assert.equal(result.n_files, inShard.length, `${tool} shard ${k}`);
    for (const { file: f } of inShard) assert.equal(shardOf(f, N), k, `${tool}: ${f} in shard ${k}`);
  }
  return (results[tool] = { whole: JSON.parse(whole.stdout), files });
}

test('eval --shard K/N: every record of the folder in exactly the shard its name says, with both tools', { skip }, () => {
  const models = {};
  for (const tool of ['native', 'node']) {
    const { files } = evaluate(tool);
    const shards = files.map((f) => JSON.parse(readFileSync(f, 'utf8')));
    const indices = shards.flatMap((s) => [...s.cases, ...s.errors].map((c) => c.index)).sort((a, b) => a - b);
    assert.deepEqual(indices, [0, 1, 2, 3, 4, 5, 6], tool);
    assert.ok(shards.every((s) => s.shard.records_in_shard > 0), `${tool}: all three shards used`);
    assert.deepEqual(shards.map((s) => s.errors.map((e) => basename(e.file))), [[], ['broken.hea'], []], tool);
    models[tool] = shards[0].shard.models;
    assert.ok(models[tool].some((m) => m.name === 'mobilenet1d-12' && /^[0-9a-f]{16}$/.test(m.fnv1a64)), `${tool}: ${JSON.stringify(models[tool])}`);
    assert.deepEqual(models[tool].map((m) => m.name), models[tool].map((m) => m.name).sort(), `${tool}: models listed by name`);
    for (const s of shards) assert.deepEqual(s.shard.models, models[tool], tool);
  }
  assert.deepEqual(models.node, models.native, 'both tools name the same model files (name and FNV-1a 64 of the bytes)');
});

test('merge of the N shards gives the unsharded eval result: metric, per-class counts, records, errors', { skip }, () => {
  for (const tool of ['native', 'node']) {
    const { whole, files } = evaluate(tool);
    const merged = run(tool, ['merge', files[2], files[0], files[1]]);  // any order
    assert.equal(merged.status, 0, `${tool}: ${merged.stderr}`);
    const m = JSON.parse(merged.stdout);
    assert.equal(m.challenge_metric, whole.challenge_metric, tool);
    assert.equal(m.macro_f1, whole.macro_f1, tool);
    assert.deepEqual(m.classes, whole.classes, tool);
    assert.equal(m.n_records, 5, tool);
    assert.equal(m.n_files, 7, tool);
    assert.deepEqual(m.errors, whole.errors, tool);
    assert.deepEqual(withoutTiming(m), withoutTiming(whole), tool);  // every other field too
    const shards = files.map((f) => JSON.parse(readFileSync(f, 'utf8')));
    assert.equal(m.threads, shards.reduce((a, s) => a + s.threads, 0), `${tool}: threads are the shards' sum`);
    assert.equal(m.elapsed_s, Math.max(...shards.map((s) => s.elapsed_s)), `${tool}: elapsed_s is the longest shard's`);
  }
  // shards of the two tools merge too (the same cases: the tools screen alike)
  const mixed = run('native', ['merge', evaluate('node').files[0], evaluate('native').files[1], evaluate('node').files[2]]);
  assert.equal(mixed.status, 0, mixed.stderr);
  assert.deepEqual(JSON.parse(mixed.stdout).classes, evaluate('native').whole.classes);
});

test('shards run at once under GNU parallel merge into the unsharded result', { skip: skip || (!hasParallel && 'GNU parallel missing (tools/setup.sh installs it)') }, () => {
  for (const tool of ['native', 'node']) {
    const out = join(dir, `parallel-${tool}`);
    mkdirSync(out);
    const cmd = [...TOOLS[tool], 'eval', '--quiet', '--threads', '1', '--shard', `{}/${N}`, data, '>', join(out, 'shard-{}.json')].join(' ');
    const p = spawnSync('parallel', ['-j', String(N), cmd, ':::', ...Array.from({ length: N }, (_, i) => String(i + 1))], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(p.status, 1, `${tool}: GNU parallel exits with the number of failed shards (shard 2 has broken.hea): ${p.stderr}`);
    const merged = run(tool, ['merge', ...Array.from({ length: N }, (_, i) => join(out, `shard-${i + 1}.json`))]);
    assert.equal(merged.status, 0, `${tool}: ${merged.stderr}`);
    const m = JSON.parse(merged.stdout);
    assert.equal(m.threads, N, tool);
    assert.deepEqual(withoutTiming(m), withoutTiming(evaluate(tool).whole), tool);
  }
});

test('screen --shard K/N prints only the shard\'s records; the N shards together print each record once', { skip }, () => {
  const records = ['A0002', 'A0003', 'E00015', 'HR00001', 'Q0016', '100_10s'].map((r) => join(data, `${r}.hea`));
  for (const tool of ['native', 'node']) {
    const all = run(tool, ['screen', '--no-model', ...records]);
    assert.equal(all.status, 0, all.stderr);
    const printed = [];
    for (let k = 1; k <= N; k++) {
      const r = run(tool, ['screen', '--no-model', '--shard', `${k}/${N}`, ...records]);
      assert.equal(r.status, 0, r.stderr);
      const names = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).record);
      assert.deepEqual(names, records.filter((f) => shardOf(f, N) === k).map((f) => basename(f, '.hea')), `${tool} shard ${k}`);
      printed.push(...names);
    }
    assert.deepEqual(printed.sort(), all.stdout.trim().split('\n').map((l) => JSON.parse(l).record).sort(), tool);
  }
});

test('an eval shard without records prints an empty result that merges', { skip }, () => {
  const one = join(dir, 'one');  // A0003 alone: shard 3 of 3, shards 1 and 2 are empty
  mkdirSync(one);
  for (const ext of ['hea', 'mat']) copyFileSync(`tests/fixtures/train/cinc/A0003.${ext}`, join(one, `A0003.${ext}`));
  for (const tool of ['native', 'node']) {
    const files = [];
    for (let k = 1; k <= N; k++) {
      const r = run(tool, ['eval', '--quiet', '--no-model', '--shard', `${k}/${N}`, one]);
      assert.equal(r.status, 0, `${tool} shard ${k}: ${r.stderr}`);
      const result = JSON.parse(r.stdout);
      assert.equal(result.shard.records_in_shard, k === 3 ? 1 : 0, `${tool} shard ${k}`);
      assert.equal(result.n_records, k === 3 ? 1 : 0, `${tool} shard ${k}`);
      files.push(join(dir, `one-${tool}-${k}.json`));
      writeFileSync(files.at(-1), r.stdout);
    }
    const merged = run(tool, ['merge', ...files]);
    assert.equal(merged.status, 0, merged.stderr);
    const whole = run(tool, ['eval', '--quiet', '--no-model', one]);
    assert.deepEqual(withoutTiming(JSON.parse(merged.stdout)), withoutTiming(JSON.parse(whole.stdout)), tool);
  }
});

test('merge refuses what is not one complete set of shards: the same message and exit 1 from both tools', { skip }, () => {
  const [s1, s2, s3] = evaluate('native').files;
  const edit = (name, from, change) => {
    const j = JSON.parse(readFileSync(from, 'utf8'));
    change(j);
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(j));
    return file;
  };
  const shard1 = JSON.parse(readFileSync(s1, 'utf8'));
  const twice = edit('twice.json', s2, (j) => { j.cases.push(shard1.cases[0]); j.shard.records_in_shard++; });
  const fourths = edit('fourths.json', s2, (j) => { j.shard.n = 4; });
  const whole = join(dir, 'whole.json');
  writeFileSync(whole, JSON.stringify(evaluate('native').whole));
  const leads = join(dir, 'leads-2.json');
  writeFileSync(leads, run('native', ['eval', '--quiet', '--leads', '2', '--shard', `2/${N}`, data]).stdout);
  const noModel = join(dir, 'no-model.json');
  writeFileSync(noModel, run('native', ['eval', '--quiet', '--no-model', '--shard', `2/${N}`, data]).stdout);
  const TABLE = [
    [[s1, s3], /expected shards 1\/3 to 3\/3, found no shard 2\/3 among .*shard-1\.json \(1\/3\), .*shard-3\.json \(3\/3\)/],
    [[s1, s2, s2, s3], /shard-2\.json: given twice \(expected each shard's file once\)/],
    [[s1, s2, edit('copy-of-2.json', s2, () => {}), s3], /copy-of-2\.json: shard 2\/3 again, already given as .*shard-2\.json \(expected each shard once\)/],
    [[s1, fourths, s3], /fourths\.json: expected a shard of 3 like .*shard-1\.json \(shard 1\/3\), found shard 2\/4/],
    [[s1, twice, s3], /twice\.json: record 0 of the folder \(.*100_10s\.hea\) is also in .*shard-1\.json; expected each record in one shard/],
    [[s1, leads, s3], /leads-2\.json: expected every lead \(no --leads\) like .*shard-1\.json, found --leads 2/],
    [[s1, noModel, s3], /no-model\.json: expected the models of .*shard-1\.json: mobilenet1d-12 \(fnv1a64 [0-9a-f]{16}\).*; found no model \(--no-model\)/],
    [[whole], /whole\.json: expected the JSON output of 'ecg-screen eval --shard K\/N', found the result of an eval without --shard/],
    [['README.md'], /README\.md: expected the JSON output of 'ecg-screen eval --shard K\/N', found text that is not JSON/],
    [['package.json'], /package\.json: expected the JSON output of 'ecg-screen eval --shard K\/N', found JSON that is not an eval result/],
    [[join(dir, 'missing.json')], /missing\.json: cannot open the file \(No such file or directory\)/],
  ];
  for (const [files, message] of TABLE) {
    const label = files.map((f) => basename(f)).join(' ');
    const native = run('native', ['merge', ...files]);
    const node = run('node', ['merge', ...files]);
    assert.equal(native.status, 1, `native merge ${label}: ${native.stderr}`);
    assert.equal(node.status, 1, `node merge ${label}: ${node.stderr}`);
    assert.match(native.first, /^ecg-screen: merge: /, label);
    assert.match(native.first, message, `native merge ${label}`);
    assert.equal(node.stderr, native.stderr, `node and native differ on merge ${label}`);
    assert.equal(native.stdout, '', label);
    assert.equal(node.stdout, '', label);
  }
});

test('the Slurm and Kubernetes recipes of docs/scale-out.md map their index to shards that merge into the unsharded result', { skip }, () => {
  const doc = readFileSync('docs/scale-out.md', 'utf8');
  const blocks = [...doc.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => m[2]);
  const slurm = blocks.find((b) => b.includes('#SBATCH --array=1-8'));
  const job = blocks.find((b) => b.includes('completionMode: Indexed'));
  assert.ok(slurm && job, 'docs/scale-out.md has the Slurm script and the Indexed Job');
  // The Job's shell command: the block scalar under `args: - |`, dedented, with its volumes here.
  const lines = job.split('\n');
  const from = lines.findIndex((l) => /^\s*- \|$/.test(l));
  const indent = lines[from + 1].match(/^\s*/)[0];
  const podCommand = lines.slice(from + 1).filter((_, i, all) => all.slice(0, i + 1).every((l) => l.startsWith(indent))).map((l) => l.slice(indent.length)).join('\n');
  assert.match(podCommand, /JOB_COMPLETION_INDEX/);
  assert.match(job, /completions: 8\b/);
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'ecg-screen'), `#!/bin/sh\nexec ${join(process.cwd(), NATIVE)} "$@"\n`, { mode: 0o755 });
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  const whole = evaluate('native').whole;
  for (const [name, runTask, tasks] of [
    ['slurm', (out, id) => spawnSync('bash', ['-c', slurm], { env: { ...env, DATA: data, RESULTS: out, SLURM_ARRAY_TASK_ID: String(id) }, encoding: 'utf8' }), [1, 2, 3, 4, 5, 6, 7, 8]],
    ['kubernetes', (out, index) => spawnSync('sh', ['-c', podCommand.replaceAll('/data', data).replaceAll('/results', out)],
      { env: { ...env, JOB_COMPLETION_INDEX: String(index) }, encoding: 'utf8' }), [0, 1, 2, 3, 4, 5, 6, 7]],
  ]) {
    const out = join(dir, `recipe-${name}`);
    mkdirSync(out, { recursive: true });
    for (const task of tasks) {
      const r = runTask(out, task);
      assert.equal(r.status, 0, `${name} task ${task} succeeds (a shard with an unreadable record too): ${r.stderr}`);
    }
    const files = Array.from({ length: 8 }, (_, i) => join(out, `shard-${i + 1}.json`));
    const merged = run('native', ['merge', ...files]);
    assert.equal(merged.status, 0, `${name}: ${merged.stderr}`);
    assert.deepEqual(withoutTiming(JSON.parse(merged.stdout)), withoutTiming(whole), name);
  }
});

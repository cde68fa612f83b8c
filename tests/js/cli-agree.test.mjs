// The two command-line tools agree: one table of bad invocations and hostile files (built in a temp
// folder from real fixtures), each run through the native tool (build/native/ecg-screen) and the Node
// tool (package.json "bin": web/lib/cli.js); both must give the expected exit status (0 ok, 1 a record,
// folder or model file could not be read or screened, 2 bad usage), the same first line on stderr (the
// message, before any usage text), and the same records on stdout.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const NATIVE = 'build/native/ecg-screen';
const skip = !existsSync(NATIVE) && 'native build missing';
const FX = 'tests/fixtures';
const run = (tool, args) => {
  const r = tool === 'native'
    ? spawnSync(NATIVE, args, { encoding: 'utf8', timeout: 60_000 })
    : spawnSync('node', ['web/lib/cli.js', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, first: r.stderr.split('\n')[0] };
};

// ---- hostile files, each from a real fixture -------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'ecg-agree-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const hea = readFileSync(`${FX}/ptbxl/00003_lr.hea`, 'utf8');   // 12 signals x 1000 samples, format 16
const dat = readFileSync(`${FX}/ptbxl/00003_lr.dat`);
const folder = (name, files) => {
  const d = join(dir, name);
  mkdirSync(d);
  for (const [file, content] of Object.entries(files)) writeFileSync(join(d, file), content);
  return d;
};
const good = join(folder('good', { 'r.hea': hea.replaceAll('00003_lr', 'r'), 'r.dat': dat }), 'r.hea');
const dirAsDat = folder('dir-as-dat', { 'r.hea': hea.replaceAll('00003_lr', 'r') });
mkdirSync(join(dirAsDat, 'r.dat'));
const fifo = folder('fifo', { 'r.hea': hea.replaceAll('00003_lr', 'r') });
const hasFifo = spawnSync('mkfifo', [join(fifo, 'r.dat')]).status === 0;
const linkOut = folder('link-out', { 'r.hea': hea.replaceAll('00003_lr', 'r') });
symlinkSync('/dev/zero', join(linkOut, 'r.dat'));
const linkOutFile = folder('link-out-file', { 'r.hea': hea.replaceAll('00003_lr', 'r') });
symlinkSync(join(process.cwd(), `${FX}/ptbxl/00003_lr.dat`), join(linkOutFile, 'r.dat'));
symlinkSync(join(dir, 'loop-b'), join(dir, 'loop-a'));
symlinkSync(join(dir, 'loop-a'), join(dir, 'loop-b'));
const lines = hea.split('\n');
const absolute = folder('absolute', { 'r.hea': hea.replaceAll('00003_lr.dat', '/dev/zero') });
const dotdot = folder('dotdot', { 'r.hea': hea.replaceAll('00003_lr.dat', '../good/r.dat') });
// 11 signals declared over the 12-signal file (the 12th line dropped, the count changed).
const eleven = folder('eleven', { 'r.hea': [lines[0].replace(' 12 ', ' 11 ').replace('00003_lr', 'r'), ...lines.slice(1, 12)].join('\n').replaceAll('00003_lr', 'r') + '\n', 'r.dat': dat });
const dupLeads = folder('dup', { 'r.hea': hea.replaceAll('00003_lr', 'r').replace(/ (I|III|aVR|aVL|aVF|V1|V2|V3|V4|V5|V6)$/gm, ' II'), 'r.dat': dat });
const slow = folder('slowrate', { 'r.hea': hea.replaceAll('00003_lr', 'r').replace('r 12 100 1000', 'r 12 5 1000'), 'r.dat': dat });
const csv = readFileSync(`${FX}/csv/00003_lr.csv`, 'utf8');
const crOnly = folder('cr', { 'cr.csv': csv.replaceAll('\r\n', '\n').replaceAll('\n', '\r'), 'lf.csv': csv.replaceAll('\r\n', '\n') });
const noTime = folder('notime', { 'v.csv': 'I,II\n' + Array.from({ length: 600 }, (_, i) => `${Math.sin(i / 10).toFixed(3)},${Math.cos(i / 10).toFixed(3)}`).join('\n') + '\n' });
const empty = folder('empty', {});
const notModel = join(folder('model', { 'bad.safetensors': 'this is not a model file\n' }), 'bad.safetensors');
const missing = join(dir, 'missing');

// ---- the table: arguments, expected status, what the first stderr line says ----------------------
const TABLE = [
  // bad usage: 2
  [['frobnicate', 'x'], 2, /unknown command 'frobnicate'/],
  [['screen'], 2, /'screen' needs at least one record/],
  [['screen', '--age', 'abc', good], 2, /--age: expected an age in years from 0 to 150, found 'abc'/],
  [['screen', '--age', '', good], 2, /--age: expected an age in years from 0 to 150, found ''/],
  [['screen', '--age', '-3', good], 2, /found '-3'/],
  [['screen', '--sex', 'x', good], 2, /--sex: expected female or male, found 'x'/],
  [['info', '--fs', 'abc', good], 2, /--fs: expected a sampling rate in Hz above 0, found 'abc'/],
  [['info', '--fs', '', good], 2, /--fs: expected a sampling rate in Hz above 0, found ''/],
  [['screen', '--color', good], 2, /unknown or incomplete option '--color'/],
  [['screen', good, '--age'], 2, /unknown or incomplete option '--age'/],
  [['info', '--age', '40', good], 2, /unknown or incomplete option '--age'/],
  [['eval', '--leads', '5', empty], 2, /eval: --leads: got '5', expected 12, 6, 4, 3 or 2/],
  [['eval', '--threads', '0', empty], 2, /eval: --threads: got '0', expected a whole number from 1 to 256/],
  [['eval', '--record-timeout-s', 'abc', empty], 2, /eval: --record-timeout-s: got 'abc', expected seconds/],
  // --shard K/N (screen, eval): whole numbers, 1 <= K <= N; merge takes files only
  ...['0/3', '4/3', 'a/b', '3', '1/0', '', '-1/3', '1.5/3', '2/1000001'].flatMap((bad) => {
    const expected = `--shard: got '${bad}', expected K/N with whole numbers 1 <= K <= N <= 1000000 \\(shard K of N, counted from 1\\)`;
    return [[['eval', '--shard', bad, empty], 2, new RegExp(`^ecg-screen: eval: ${expected.replaceAll('/', '\\/')}$`)],
            [['screen', '--shard', bad, good], 2, new RegExp(`^ecg-screen: ${expected.replaceAll('/', '\\/')}$`)]];
  }),
  [['eval', empty, '--shard'], 2, /unknown or incomplete option '--shard'/],
  [['info', '--shard', '1/3', good], 2, /unknown or incomplete option '--shard'/],
  [['merge'], 2, /'merge' needs at least one file/],
  [['merge', '--quiet', good], 2, /unknown or incomplete option '--quiet'/],
  // a folder, model or record that cannot be read or screened: 1
  [['eval', empty], 1, /eval: no WFDB records \(\*\.hea\) found under the given folder/],
  [['eval', missing], 1, /eval: .*missing: expected a folder or a WFDB header, found nothing there/],
  [['screen', '--model', dir, good], 1, /: expected a regular file, found a directory/],
  [['screen', '--model', '/dev/zero', good], 1, /\/dev\/zero: expected a regular file, found a character device/],
  [['screen', '--model', notModel, good], 1, /bad\.safetensors: /],
  [['info', join(dirAsDat, 'r.hea')], 1, /r\.dat: expected a regular file, found a directory/],
  [['info', join(linkOut, 'r.hea')], 1, /r\.dat: expected a file inside the record's folder, found a link to \/dev\/zero/],
  [['info', join(linkOutFile, 'r.hea')], 1, /r\.dat: expected a file inside the record's folder, found a link to/],
  [['info', join(dir, 'loop-a')], 1, /loop-a: cannot open the file \(Too many levels of symbolic links\)/],
  [['info', join(absolute, 'r.hea')], 1, /line 2: expected the signal file as a plain file name in the header's folder, found the path '\/dev\/zero'/],
  [['info', join(dotdot, 'r.hea')], 1, /found the path '\.\.\/good\/r\.dat'/],
  [['info', join(eleven, 'r.hea')], 1, /r\.dat: expected 22000 bytes for 1000 samples x 11 signals in format 16, found 24000 \(2000 bytes more/],
  [['info', join(dupLeads, 'r.hea')], 1, /expected each lead once, found lead II twice \(signal 1 'II' and signal 2 'II'\)/],
  [['info', join(slow, 'r.hea')], 1, /expected a sampling rate above 10 Hz .* found 5 Hz/],
  [['info', '--fs', '5', join(noTime, 'v.csv')], 1, /v\.csv: fsHz: expected a number \(above 10 and at most 20000 Hz\), found 5$/],
  [['info', good, missing], 1, /missing: cannot open the file \(No such file or directory\)/],
  [['merge', good], 1, /^ecg-screen: merge: .*r\.hea: expected the JSON output of 'ecg-screen eval --shard K\/N', found text that is not JSON$/],
  [['merge', missing], 1, /^ecg-screen: merge: .*missing: cannot open the file \(No such file or directory\)$/],
  // fine: 0
  [['info', join(crOnly, 'cr.csv')], 0, /^$/],
];
if (hasFifo) TABLE.push([['info', join(fifo, 'r.hea')], 1, /r\.dat: expected a regular file, found a FIFO \(named pipe\)/]);

test('native and Node CLIs: same exit status and message on every bad invocation', { skip }, () => {
  for (const [args, status, message] of TABLE) {
    const label = args.map((a) => a.replace(dir, '$TMP')).join(' ');
    const native = run('native', args);
    const node = run('node', args);
    assert.equal(native.status, status, `native ${label}: ${native.stderr}`);
    assert.equal(node.status, status, `node ${label}: ${node.stderr}`);
    assert.match(native.first, message, `native ${label}`);
    assert.equal(node.first, native.first, `node and native differ on ${label}`);
    if (status !== 2) assert.equal(node.stderr, native.stderr, `stderr of ${label}`);
    assert.equal(node.stdout.split('\n').length, native.stdout.split('\n').length, `stdout lines of ${label}`);
  }
});

test('output already produced is kept when a later record fails', { skip }, () => {
  for (const tool of ['native', 'node']) {
    const r = run(tool, ['info', good, join(dirAsDat, 'r.hea'), join(dir, 'loop-a'), good]);
    assert.equal(r.status, 1, tool);
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => JSON.parse(l).record), ['r', 'r'], tool);
    assert.equal(r.stderr.trim().split('\n').length, 2, tool);
  }
});

test('CR-only line endings read as line breaks, the same as LF', { skip }, () => {
  for (const tool of ['native', 'node']) {
    const cr = JSON.parse(run(tool, ['info', join(crOnly, 'cr.csv')]).stdout);
    const lf = JSON.parse(run(tool, ['info', join(crOnly, 'lf.csv')]).stdout);
    assert.equal(cr.n_samples, 1000, tool);
    assert.equal(cr.leads.length, 12, tool);
    assert.deepEqual({ ...cr, files: null, record: null }, { ...lf, files: null, record: null }, tool);
  }
});

test('eval keeps going past a bad record and skips one that runs past --record-timeout-s', { skip }, () => {
  // A 2 kHz copy (the highest rate analysed without decimation) of a real 500 Hz record played 20
  // times (linear interpolation, 400,000 samples x 12 leads, 200 s): screening it takes about 7 s of
  // CPU natively, far beyond a 2 s limit, while the 500 Hz record A0002 takes a fraction of a second.
  const ev = folder('eval', {});
  const src = readFileSync(`${FX}/wfdb/00003_hr.dat`);
  const n = 5000, leads = 12, up = 4, copies = 20;
  const out = Buffer.alloc(copies * n * up * leads * 2);
  for (let t = 0; t < n * up; t++) {
    const a = Math.floor(t / up), f = (t % up) / up, b = Math.min(a + 1, n - 1);
    for (let k = 0; k < leads; k++) {
      const v = Math.round((1 - f) * src.readInt16LE((a * leads + k) * 2) + f * src.readInt16LE((b * leads + k) * 2));
      for (let c = 0; c < copies; c++) out.writeInt16LE(v, ((c * n * up + t) * leads + k) * 2);
    }
  }
  const h = readFileSync(`${FX}/wfdb/00003_hr.hea`, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  const fast = [`fast 12 2000 ${copies * n * up}`, ...h.slice(1).map((l) => l.replace(/^00003_hr\.dat 16 (\S+) 16 0 \S+ \S+ 0/, 'fast.dat 16 $1 16 0 0 0 0'))];
  writeFileSync(join(ev, 'fast.hea'), `${fast.join('\n')}\n#Dx: 426783006\n`);
  writeFileSync(join(ev, 'fast.dat'), out);
  writeFileSync(join(ev, 'broken.hea'), 'broken 12 500\n');
  symlinkSync('loop.hea', join(ev, 'loop.hea'));  // a link to itself
  for (const f of ['A0002.hea', 'A0002.mat']) writeFileSync(join(ev, f), readFileSync(`${FX}/train/cinc/${f}`));
  for (const tool of ['native', 'node']) {
    const r = run(tool, ['eval', '--quiet', '--no-model', '--record-timeout-s', '2', ev]);
    assert.equal(r.status, 1, `${tool}: ${r.stderr}`);
    const result = JSON.parse(r.stdout);
    assert.equal(result.n_records, 1, tool);  // A0002
    const errors = Object.fromEntries(result.errors.map((e) => [e.file.replace(/.*\//, ''), e.error]));
    assert.match(errors['fast.hea'], /took longer than 2 s \(--record-timeout-s\): skipped/, tool);
    assert.match(errors['broken.hea'], /broken\.hea/, tool);
    assert.match(errors['loop.hea'], /loop\.hea: cannot open the file \(Too many levels of symbolic links\)/, tool);
  }
});

test('quality: the two CLIs print the same per-lead quality, windows included, for a clean and a noisy record', { skip }, () => {
  const near = (a, b, path) => {
    if (typeof a === 'number' && typeof b === 'number') return assert.ok(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(a)), `${path}: ${a} vs ${b}`);
    if (a && typeof a === 'object') {
      assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), path);
      for (const k of Object.keys(a)) near(a[k], b[k], `${path}.${k}`);
      return undefined;
    }
    return assert.equal(a, b, path);
  };
  for (const args of [['quality', `${FX}/wfdb/00003_hr.hea`], ['quality', '--windows', `${FX}/cinc2017/A00445.hea`]]) {
    const native = run('native', args), node = run('node', args);
    assert.equal(native.status, 0, native.stderr);
    assert.equal(node.status, 0, node.stderr);
    near(JSON.parse(node.stdout), JSON.parse(native.stdout), args.join(' '));
  }
  const clean = JSON.parse(run('node', ['quality', `${FX}/wfdb/00003_hr.hea`]).stdout);
  assert.equal(clean.lead_quality.length, 12);
  assert.ok(clean.lead_quality.every((l) => l.usable && l.windows === undefined));
  const noisy = JSON.parse(run('node', ['quality', '--windows', `${FX}/cinc2017/A00445.hea`]).stdout);
  assert.equal(noisy.lead_quality[0].usable, false);
  assert.ok(noisy.lead_quality[0].reasons.length > 0);
  assert.ok(noisy.lead_quality[0].windows.length >= 4);
  assert.equal(run('node', ['screen', '--windows', good]).status, 2, '--windows belongs to quality only');
});

#!/usr/bin/env node
// Mutation testing of the decision logic (core/screen, core/rules): applies each single-line
// mutation of tools/mutations.json in place, rebuilds the native tests (ccache), runs the Catch2
// suite (and with --js the JS suites, when a wasm build exists in web/gen), and prints the mutations
// that every test survived. The original file is restored after each mutation, on error and on
// Ctrl-C / SIGTERM (a copy of it also waits in build/mutate/ until the mutation is undone).
//
//   npm run mutate                 # every mutation, Catch2 suite
//   npm run mutate -- --js         # also node --test tests/js/*.test.mjs (needs web/gen from tools/build.sh wasm)
//   npm run mutate -- --only 3,7   # some mutations (1-based)
//   npm run mutate -- --list       # list them
//
// Not part of `npm test`: a full run rebuilds once per mutation (tens of minutes on 2 cores).
// Exit status: 0 when every mutation was killed, 1 when some survived, 2 on a bad mutation list.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const listFile = args.includes('--file') ? args[args.indexOf('--file') + 1] : join(root, 'tools/mutations.json');
const mutations = JSON.parse(readFileSync(listFile, 'utf8')).mutations;
const only = args.includes('--only') ? new Set(args[args.indexOf('--only') + 1].split(',').map(Number)) : null;
const withJs = args.includes('--js');
const testTimeoutS = 600;

// Every mutation must name a file under core/screen or core/rules and an original that occurs
// exactly once in it: otherwise the list is stale and the run stops before touching anything.
let bad = 0;
mutations.forEach((m, i) => {
  const where = `mutation ${i + 1} (${m.file})`;
  if (!/^core\/(screen|rules|include\/ecg\/rules\.h)/.test(m.file)) {
    console.error(`${where}: expected a file under core/screen or core/rules, found ${m.file}`);
    bad++;
    return;
  }
  const text = readFileSync(join(root, m.file), 'utf8');
  const n = text.split(m.original).length - 1;
  if (n !== 1) {
    console.error(`${where}: expected the original text exactly once, found it ${n} times: ${JSON.stringify(m.original)}`);
    bad++;
  }
  if (m.original === m.replacement) {
    console.error(`${where}: the replacement equals the original`);
    bad++;
  }
});
if (args.includes('--list')) {
  mutations.forEach((m, i) => console.log(`${i + 1}. ${m.file}: ${m.why}\n   - ${m.original}\n   + ${m.replacement}`));
  process.exit(bad ? 2 : 0);
}
if (bad) process.exit(2);

const env = { ...process.env }; // ccache, when the build uses it, reads its own CCACHE_* settings
const backupDir = join(root, 'build/mutate');
mkdirSync(backupDir, { recursive: true });

// The mutation in progress is also recorded on disk (build/mutate/pending.json with the original
// text), so a run killed hard (SIGKILL, power loss) is undone by the next run before it starts.
const pendingFile = join(backupDir, 'pending.json');
if (existsSync(pendingFile)) {
  const p = JSON.parse(readFileSync(pendingFile, 'utf8'));
  writeFileSync(p.path, p.text);
  rmSync(pendingFile);
  console.error(`mutate: restored ${p.path} left mutated by an interrupted run`);
}
let pending = null; // { path, text } of the file to restore
let child = null;
function restore() {
  if (pending) {
    writeFileSync(pending.path, pending.text);
    pending = null;
    rmSync(pendingFile, { force: true });
  }
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (child) child.kill('SIGTERM');
    restore();
    console.error(`\nmutate: ${sig}: the mutated file was restored`);
    process.exit(130);
  });
}
process.on('exit', restore);

// Children run asynchronously so that a signal is handled at once (restore, then exit).
function run(cmd, argv, timeoutS) {
  return new Promise((resolve) => {
    let out = '';
    child = spawn(cmd, argv, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child?.kill('SIGTERM'), timeoutS * 1000);
    let timedOut = false;
    timer.unref?.();
    const t0 = Date.now();
    child.stdout.on('data', (d) => { out += d; if (out.length > 1 << 20) out = out.slice(-(1 << 19)); });
    child.stderr.on('data', (d) => { out += d; if (out.length > 1 << 20) out = out.slice(-(1 << 19)); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      timedOut = signal === 'SIGTERM' && Date.now() - t0 >= timeoutS * 1000 - 50;
      child = null;
      resolve({ ok: code === 0, timedOut, out });
    });
  });
}
function build() {
  return run('nice', ['cmake', '--build', '--preset', 'native', '--target', 'ecg_core_tests'], 3600);
}
function catch2() {
  return run(join(root, 'build/native/ecg_core_tests'), ['--abort'], testTimeoutS);
}
function jsSuites() {
  const files = readdirSync(join(root, 'tests/js')).filter((f) => f.endsWith('.test.mjs')).map((f) => join('tests/js', f));
  return run('node', ['--test', ...files], testTimeoutS);
}

if (withJs && !existsSync(join(root, 'web/gen/ecg-core.wasm'))) {
  console.error('mutate: --js needs web/gen/ecg-core.wasm (run tools/build.sh wasm first)');
  process.exit(2);
}
// The unmutated tree must build and pass, or every mutation would look killed.
process.stdout.write('baseline: build and Catch2 ... ');
let b = await build();
if (!b.ok) {
  console.log('the unmutated build fails:\n' + b.out.slice(-3000));
  process.exit(2);
}
const base = await catch2();
if (!base.ok) {
  console.log('the unmutated Catch2 suite fails:\n' + base.out.slice(-3000));
  process.exit(2);
}
console.log('ok');

const results = [];
const start = Date.now();
for (const [i, m] of mutations.entries()) {
  if (only && !only.has(i + 1)) continue;
  const path = join(root, m.file);
  const text = readFileSync(path, 'utf8');
  writeFileSync(join(backupDir, m.file.replaceAll('/', '__')), text);
  pending = { path, text };
  writeFileSync(pendingFile, JSON.stringify(pending));
  writeFileSync(path, text.replace(m.original, m.replacement));
  let status;
  try {
    const bm = await build();
    if (!bm.ok) status = 'killed (does not compile)';
    else {
      const t = await catch2();
      if (!t.ok) status = t.timedOut ? 'killed (Catch2 timed out)' : 'killed (Catch2)';
      else if (withJs) {
        // JS suites test the wasm build, which this loop does not rebuild per mutation: rebuild it.
        const w = await run('nice', ['bash', 'tools/build.sh', 'wasm'], 3600);
        const j = w.ok ? await jsSuites() : { ok: false };
        status = !w.ok ? 'killed (wasm does not compile)' : j.ok ? 'SURVIVED' : 'killed (JS)';
      } else status = 'SURVIVED';
    }
  } finally {
    restore();
  }
  results.push({ n: i + 1, m, status });
  console.log(`${String(i + 1).padStart(2)}. ${status.padEnd(26)} ${m.file}: ${m.why}`);
}
process.stdout.write('restoring the build of the unmutated tree ... ');
b = await build();
console.log(b.ok ? 'ok' : 'FAILED (rebuild by hand)');
if (withJs) await run('nice', ['bash', 'tools/build.sh', 'wasm'], 3600);

const survivors = results.filter((r) => r.status === 'SURVIVED');
console.log(`\n${results.length} mutations, ${results.length - survivors.length} killed, ${survivors.length} survived ` +
  `(${withJs ? 'Catch2 + JS' : 'Catch2'} suites; ${Math.round((Date.now() - start) / 60000)} min)`);
for (const r of survivors) console.log(`  survivor ${r.n}: ${r.m.file}: ${r.m.original}  ->  ${r.m.replacement}`);
process.exit(survivors.length ? 1 : 0);

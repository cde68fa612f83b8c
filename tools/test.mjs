// Runs every test suite after a build and ends with one summary line of passed/failed counts.
// usage: node tools/test.mjs [suite...]   suites: native native-debug wasm js browser train (default: all;
//        train only where tools/train/tests exists)
// Each suite's own output streams through; a suite that cannot start counts as failed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PYTHON = '/usr/bin/python3';  // Debian's, with torch/scipy/numpy (not a pyenv python on PATH)

// Parsers turn a suite's output into {passed, failed} test counts.
const catch2 = (out) => {
  const all = out.match(/All tests passed \(\d+ assertions? in (\d+) test cases?\)/);
  if (all) return { passed: Number(all[1]), failed: 0 };
  const some = out.match(/test cases:\s+(\d+) \|\s+(\d+) passed \|\s+(\d+) failed/);
  return some ? { passed: Number(some[2]), failed: Number(some[3]) } : null;
};
const ctest = (out) => {
  const m = out.match(/(\d+)% tests passed, (\d+) tests? failed out of (\d+)/);
  return m ? { passed: Number(m[3]) - Number(m[2]), failed: Number(m[2]) } : null;
};
const nodeTest = (out) => {
  const pass = out.match(/^# pass (\d+)/m);
  const fail = out.match(/^# fail (\d+)/m);
  return pass && fail ? { passed: Number(pass[1]), failed: Number(fail[1]) } : null;
};
const unittest = (out) => {
  const ran = out.match(/^Ran (\d+) tests?/m);
  if (!ran) return null;
  const failed = [...(out.match(/^FAILED \((.*)\)/m)?.[1] ?? '').matchAll(/(?:failures|errors)=(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
  return { passed: Number(ran[1]) - failed, failed };
};

const SUITES = {
  native: { cmd: 'ctest', args: ['--preset', 'native'], parse: ctest },
  // The core tests again under AddressSanitizer + UndefinedBehaviorSanitizer (`npm test` builds the
  // native-debug preset): every reader test, on real and damaged input.
  'native-debug': { cmd: 'ctest', args: ['--preset', 'native-debug'], parse: ctest },
  wasm: { cmd: 'node', args: ['tools/run-wasm-test.mjs', 'build/wasm/ecg_core_tests.js', '--use-colour', 'no'], parse: catch2 },
  js: { cmd: 'node', args: ['--test', '--test-reporter=tap', 'tests/js/'], parse: nodeTest },
  browser: { cmd: 'node', args: ['--test', '--test-reporter=tap', '--test-concurrency=1', 'tests/browser/'], parse: nodeTest },
  train: {
    cmd: PYTHON, args: ['-m', 'unittest', 'discover', '-s', 'tools/train/tests', '-t', '.'], parse: unittest,
    when: () => existsSync(`${ROOT}tools/train/tests`),
  },
};

function run(name, { cmd, args, parse }) {
  return new Promise((resolve) => {
    console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
    const started = Date.now();
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0' } });
    let out = '';
    const collect = (stream, sink) => stream.on('data', (chunk) => { out += chunk; sink.write(chunk); });
    collect(child.stdout, process.stdout);
    collect(child.stderr, process.stderr);
    child.on('error', (error) => { out += `\n${error.message}`; });
    child.on('close', (code) => {
      const counts = parse(out);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const ok = code === 0 && counts !== null && counts.failed === 0;
      resolve({ name, ok, code, counts: counts ?? { passed: 0, failed: 1 }, seconds });
    });
  });
}

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!SUITES[name]) {
    console.error(`test: unknown suite '${name}' (have: ${Object.keys(SUITES).join(', ')})`);
    process.exit(2);
  }
}
const results = [];
for (const [name, suite] of Object.entries(SUITES)) {
  if (wanted.length ? !wanted.includes(name) : suite.when && !suite.when()) continue;
  results.push(await run(name, suite));
}
console.log('\n=== summary');
for (const r of results) {
  console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(8)} ${r.counts.passed} passed, ${r.counts.failed} failed (${r.seconds} s${r.code ? `, exit ${r.code}` : ''})`);
}
const passed = results.reduce((a, r) => a + r.counts.passed, 0);
const failed = results.reduce((a, r) => a + r.counts.failed, 0);
const bad = results.filter((r) => !r.ok).map((r) => r.name);
console.log(`npm test: ${passed} passed, ${failed} failed in ${results.length} suites${bad.length ? ` (failing: ${bad.join(', ')})` : ''}`);
process.exit(bad.length ? 1 : 0);

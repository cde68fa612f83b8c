// Any real rate screens: writes copies of a real 500 Hz record (tests/fixtures/wfdb/00003_hr, 10 s,
// 12 leads) linearly interpolated to higher rates into a temp folder, screens each with the native
// tool (and the Node tool with --node) and prints rate, heart rate, positive classes, CPU seconds and
// the stage timings. docs/robustness.md quotes its output.
//   node tools/rate-check.mjs [--node] [rate ...]      (default rates: 1001 16690 20000)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const withNode = args.includes('--node');
const rates = args.filter((a) => a !== '--node').map(Number);
const FX = new URL('../tests/fixtures/wfdb/', import.meta.url);
const src = readFileSync(new URL('00003_hr.dat', FX));
const header = readFileSync(new URL('00003_hr.hea', FX), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
const n = 5000, leads = 12, fsIn = 500;
const dir = mkdtempSync(join(tmpdir(), 'ecg-rates-'));
const cpu = (cmd, argv) => {
  const r = spawnSync('/usr/bin/time', ['-f', '%U', cmd, ...argv], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')}: ${r.stderr}`);
  return { findings: JSON.parse(r.stdout), cpu: Number(r.stderr.trim().split('\n').at(-1)) };
};
try {
  for (const fs of rates.length ? rates : [1001, 16690, 20000]) {
    const m = Math.floor(n * fs / fsIn);
    const out = Buffer.alloc(m * leads * 2);
    for (let t = 0; t < m; t++) {
      const x = t * fsIn / fs, a = Math.floor(x), f = x - a, b = Math.min(a + 1, n - 1);
      for (let k = 0; k < leads; k++) {
        out.writeInt16LE(Math.round((1 - f) * src.readInt16LE((a * leads + k) * 2) + f * src.readInt16LE((b * leads + k) * 2)), (t * leads + k) * 2);
      }
    }
    const name = `r${fs}`;
    const lines = [`${name} 12 ${fs} ${m}`, ...header.slice(1).map((l) => l.replace(/^00003_hr\.dat 16 (\S+) 16 0 \S+ \S+ 0/, `${name}.dat 16 $1 16 0 0 0 0`))];
    writeFileSync(join(dir, `${name}.hea`), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, `${name}.dat`), out);
    const tools = [['native', 'build/native/ecg-screen', []], ...(withNode ? [['node', process.execPath, ['web/lib/cli.js']]] : [])];
    for (const [tool, cmd, pre] of tools) {
      const { findings: f, cpu: s } = cpu(cmd, [...pre, 'screen', join(dir, `${name}.hea`)]);
      const positives = f.classes.filter((c) => c.decision).map((c) => c.abbr).join(' ');
      const t = Object.entries(f.timings).map(([k, v]) => `${k.replace('_ms', '')} ${Math.round(v)} ms`).join(', ');
      console.log(`${fs} Hz ${tool}: heart rate ${f.heart_rate_bpm.toFixed(2)} bpm, positive: ${positives || 'none'}, ${s} s CPU (${t})`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

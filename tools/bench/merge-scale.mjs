// Time and peak memory of `ecg-screen merge` (native and Node) on synthetic shard results: RECORDS
// records (default 1,000,000) in SHARDS shard files (default 100), each record in the shard its name
// says (FNV-1a 64 modulo N), with real SNOMED codes; the number docs/scale-out.md quotes for the merge
// step. usage: node tools/bench/merge-scale.mjs [RECORDS] [SHARDS]
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const records = Number(process.argv[2] ?? 1_000_000);
const shards = Number(process.argv[3] ?? 100);
const dir = mkdtempSync(join(tmpdir(), 'ecg-merge-scale-'));
const fnv1a64 = (text) => {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text)) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
};
const CODES = [['164889003'], ['426783006'], ['426783006', '251146004'], ['270492004', '164889003'], ['284470004'], ['713427006', '426783006'], ['427084000'], []];

try {
  const byShard = Array.from({ length: shards }, () => []);
  for (let i = 0; i < records; i++) {
    const name = `R${String(i).padStart(7, '0')}`;
    byShard[Number(fnv1a64(name) % BigInt(shards))].push(i);
  }
  const files = [];
  let bytes = 0;
  byShard.forEach((indices, s) => {
    const file = join(dir, `shard-${s + 1}.json`);
    const fd = openSync(file, 'w');
    writeSync(fd, `{"challenge_metric":0,"classes":[],"n_files":${indices.length},"lead_set":null,"threads":1,"elapsed_s":1,"errors":[],` +
      `"shard":{"k":${s + 1},"n":${shards},"records_in_shard":${indices.length},"records_in_folder":${records},"models":[{"name":"mobilenet1d-12","fnv1a64":"ff385ff98bf29c5f"}]},"cases":[`);
    const chunk = [];
    indices.forEach((i, j) => {
      const name = `R${String(i).padStart(7, '0')}`;
      chunk.push(JSON.stringify({ index: i, file: `/data/cinc/${name}.hea`, record: name, labels: CODES[i % 8], outputs: CODES[(3 * i + 1) % 8],
        model: 'mobilenet1d-12', inconclusive: i % 97 === 0, skipped: i % 50 === 0 ? 'no labels' : '' }));
      if (chunk.length === 1000 || j === indices.length - 1) {
        writeSync(fd, (j >= 1000 ? ',' : '') + chunk.join(','));
        chunk.length = 0;
      }
    });
    writeSync(fd, ']}\n');
    closeSync(fd);
    bytes += statSync(file).size;
    files.push(file);
  });
  console.log(`${records} records in ${shards} shard files, ${(bytes / 2 ** 20).toFixed(0)} MiB of JSON (${Math.round(bytes / records)} bytes per record)`);
  for (const [tool, cmd] of [['native', ['build/native/ecg-screen']], ['node', ['node', 'web/lib/cli.js']]]) {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %M', ...cmd, 'merge', ...files], { encoding: 'utf8', maxBuffer: 2 ** 26 });
    const [seconds, kib] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
    const ok = r.status === 0 && JSON.parse(r.stdout).n_files === records;
    console.log(`${tool}: merge ${ok ? 'ok' : `FAILED (exit ${r.status}: ${r.stderr.split('\n')[0]})`} in ${seconds} s, peak memory ${(kib / 2 ** 10).toFixed(0)} MiB`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

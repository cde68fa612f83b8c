// npm's prepack step (`npm pack`, `npm publish`): the package ships the WebAssembly build output
// (web/gen/, not in git), so build it only when it is missing, then refresh web/gen/models.json (the
// shipped models loadEcgScreen() loads by default) from models/*.safetensors.
// usage: node tools/prepack.mjs   (npm runs it; nothing is rebuilt when web/gen is there)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NEEDED = ['web/gen/ecg-core.mjs', 'web/gen/ecg-core.wasm', 'web/gen/sample/00003_hr.hea'];

function run(cmd, args) {
  const result = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`prepack: '${cmd} ${args.join(' ')}' failed (exit ${result.status ?? result.error?.message}); the package needs the WebAssembly build in web/gen/`);
    process.exit(1);
  }
}

const missing = NEEDED.filter((f) => !existsSync(`${ROOT}${f}`));
if (missing.length) {
  console.log(`prepack: ${missing.join(', ')} missing: building the WebAssembly module (bash tools/build.sh wasm)`);
  run('bash', ['tools/build.sh', 'wasm']);
} else {
  run(process.execPath, ['tools/gen-sw-manifest.mjs']);
}

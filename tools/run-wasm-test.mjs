// Runs an Emscripten-built Node program (e.g. the wasm Catch2 tests) with its arguments.
// Debian's emscripten 3.1.6 glue fetch()es the .wasm by file path under Node 18+, which fails; the
// binary is handed over as Module.wasmBinary instead. The glue declares its own `var Module`, which
// would shadow a global, so it runs inside a function whose `Module` parameter carries the binary.
// usage: node tools/run-wasm-test.mjs build/wasm/ecg_core_tests.js [args...]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import vm from 'node:vm';

const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error('usage: node tools/run-wasm-test.mjs <program.js> [args...]');
  process.exit(2);
}
const path = resolve(script);
const Module = { wasmBinary: readFileSync(path.replace(/\.js$/, '.wasm')), arguments: args, thisProgram: path };
process.argv = [process.argv[0], path, ...args];
const wrapper = vm.runInThisContext(
  `(function (Module, require, module, __filename, __dirname) {${readFileSync(path, 'utf8')}\n})`,
  { filename: path });
wrapper(Module, createRequire(path), { exports: {} }, path, dirname(path));

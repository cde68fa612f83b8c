// Options the worker passes to loadEcgScreen(). Served: none (the .wasm is fetched beside the JS).
// The single-file build (tools/build-single.mjs) replaces this module with one carrying the .wasm and
// the models, gzip-compressed inline: there it is a promise of these options (worker.js awaits it).
export const engineOptions = {};

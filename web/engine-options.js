// Options the worker passes to loadEcgScreen(). Served: none (the .wasm is fetched beside the JS).
// The single-file build (tools/build-single.mjs) replaces this module with one carrying the .wasm.
export const engineOptions = {};

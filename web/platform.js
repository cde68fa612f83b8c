// How the served app reaches its worker and its built-in sample. The single-file build
// (tools/build-single.mjs) replaces this module with one that carries both inline.

/** Starts the worker that owns the WebAssembly core. */
export function createEngineWorker() {
  return new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
}

export const SAMPLE_NAMES = ['00003_hr.hea', '00003_hr.dat'];

/** The built-in sample record's files, as {name, bytes}. */
export async function loadSampleFiles() {
  return Promise.all(SAMPLE_NAMES.map(async (name) => {
    const response = await fetch(new URL(`./gen/sample/${name}`, import.meta.url));
    if (!response.ok) throw new Error(`could not load the built-in sample ${name}: HTTP ${response.status}`);
    return { name, bytes: new Uint8Array(await response.arrayBuffer()) };
  }));
}

/** Whether a service worker can cache the app for offline use (not from file://). */
export const canUseServiceWorker = 'serviceWorker' in navigator && location.protocol.startsWith('http');

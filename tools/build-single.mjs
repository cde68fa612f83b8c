// Builds dist/ecg-screen.html: the whole app in one file (page, worker, WebAssembly core, sample
// record and the shipped models) that works when opened from disk (file://), for
// clinics without a server. usage: node tools/build-single.mjs   (after tools/build.sh wasm)
//
// A small bundler for the app's own ES modules: it follows relative static imports, includes each
// module once in dependency order, drops import lines and `export` keywords, and refuses two modules
// declaring the same top-level name. Two modules are replaced by generated ones carrying data inline:
// web/platform.js (worker from a blob, sample from base64) and web/engine-options.js (the .wasm and
// the models, gzip-compressed, inflated in the worker).
// Chromium cannot start a module worker from a blob: URL in a file:// page, so the worker is bundled
// as a classic script: the Node-only prologue of the generated glue is dropped and `import.meta.url`
// (used only to locate the .wasm, which is inline here) becomes `self.location.href`.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const OUT = join(ROOT, 'dist/ecg-screen.html');
const read = (path) => readFileSync(join(ROOT, path));

const IMPORT = /^import\s+(?:[\w$]+|\{[^}]*\})\s+from\s+'(\.[^']+)';\s*$/gm;
const TOP_LEVEL = /^(?:export\s+)?(?:async\s+)?(?:const|let|var|function\*?|class)\s+([\w$]+)/gm;

function bundle(entry, overrides) {
  const order = [];
  const seen = new Set();
  const visit = (path) => {
    if (seen.has(path)) return;
    seen.add(path);
    const source = overrides[path] ?? readFileSync(join(ROOT, path), 'utf8');
    for (const [, spec] of source.matchAll(IMPORT)) visit(relative(ROOT, resolve(ROOT, dirname(path), spec)));
    order.push([path, source]);
  };
  visit(entry);
  const declared = new Map();
  return order.map(([path, source]) => {
    const body = source.replace(IMPORT, '').replace(/^export default [\w$]+;\s*$/m, '').replace(/^export\s+(?=(async\s+)?(const|let|var|function|class))/gm, '');
    for (const [, name] of body.matchAll(TOP_LEVEL)) {
      if (declared.has(name)) throw new Error(`build-single: '${name}' is declared in both ${declared.get(name)} and ${path}; rename one`);
      declared.set(name, path);
    }
    return `// ---- ${path}\n${body}`;
  }).join('\n');
}

const base64 = (bytes) => Buffer.from(bytes).toString('base64');
const decodeFn = 'function __ecgDecode(b64) { const s = atob(b64); const a = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) a[i] = s.charCodeAt(i); return a; }\n';

// The shipped models (web/gen/models.json, written with the offline manifest) travel inline too.
const models = JSON.parse(read('web/gen/models.json').toString());
const glue = read('web/gen/ecg-core.mjs').toString();
const glueStart = glue.indexOf('var createEcgModule');
if (glueStart < 0) throw new Error('build-single: web/gen/ecg-core.mjs does not define createEcgModule; rebuild with tools/build.sh wasm');
// The .wasm and the models are gzip-compressed (about 40 % of their size) and inflated in the worker
// with DecompressionStream before the core loads: the page stays under 2 MB.
const gzip64 = (bytes) => base64(gzipSync(bytes, { level: 9 }));
const inflateFn = 'async function __ecgInflate(b64) {\n' +
  "  const stream = new Blob([__ecgDecode(b64)]).stream().pipeThrough(new DecompressionStream('gzip'));\n" +
  '  return new Uint8Array(await new Response(stream).arrayBuffer());\n}\n';
const workerSource = bundle('web/worker.js', {
  'web/engine-options.js': `${decodeFn}${inflateFn}const engineOptions = (async () => ({
  wasmBinary: await __ecgInflate(${JSON.stringify(gzip64(read('web/gen/ecg-core.wasm')))}),
  models: await Promise.all(${JSON.stringify(models.map(({ file }) => ({ name: file, gz: gzip64(read(`models/${file}`)) })))}.map(async (m) => ({ name: m.name, bytes: await __ecgInflate(m.gz) }))),
}))();\n`,
  'web/gen/ecg-core.mjs': glue.slice(glueStart),
}).replaceAll('import.meta.url', 'self.location.href');
const sampleNames = ['00003_hr.hea', '00003_hr.dat'];
const pageSource = bundle('web/app.js', {
  'web/platform.js': `${decodeFn}
const __ecgWorkerSource = ${JSON.stringify(workerSource)};
function createEngineWorker() {
  return new Worker(URL.createObjectURL(new Blob([__ecgWorkerSource], { type: 'text/javascript' })));
}
const __ecgSample = ${JSON.stringify(Object.fromEntries(sampleNames.map((n) => [n, base64(read(`web/gen/sample/${n}`))])))};
async function loadSampleFiles() {
  return Object.entries(__ecgSample).map(([name, b64]) => ({ name, bytes: __ecgDecode(b64) }));
}
const canUseServiceWorker = false;
`,
});

const sha256 = (text) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
const css = read('web/style.css').toString();
const csp = `default-src 'none'; script-src ${sha256(pageSource)} 'wasm-unsafe-eval' blob:; worker-src blob:; ` +
  `style-src ${sha256(css)}; img-src data: blob:; object-src 'none'; base-uri 'none'; form-action 'none'`;

let html = read('index.html').toString();
const replace = (pattern, replacement) => {
  if (!pattern.test(html)) throw new Error(`build-single: index.html no longer matches ${pattern}; update tools/build-single.mjs`);
  html = html.replace(pattern, () => replacement);
};
replace(/<meta http-equiv="Content-Security-Policy"\s+content="[^"]*">/, `<meta http-equiv="Content-Security-Policy" content="${csp}">`);
replace(/<link rel="icon" href="web\/icon.svg" type="image\/svg\+xml">/, `<link rel="icon" href="data:image/svg+xml;base64,${base64(read('web/icon.svg'))}">`);
// No web app manifest from disk (file:// cannot be installed; its CSP allows no manifest fetch).
html = html.replace(/\n\s*<link rel="manifest"[^>]*>/, '');
replace(/<link rel="stylesheet" href="web\/style.css">/, `<style>${css}</style>`);
replace(/<script type="module" src="web\/app.js"><\/script>/, `<script type="module">${pageSource}</script>`);
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, html);
console.log(`build-single: ${relative(ROOT, OUT)} (${(html.length / 1024).toFixed(0)} KiB)`);

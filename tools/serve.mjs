// Serves the app as static files (index.html, web/, models/) on localhost; no other part of the
// repository is exposed. usage: node tools/serve.mjs [--port 8080]   (or PORT=8080)
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SERVED = ['index.html', 'sw.js', 'web/', 'models/'];
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.md': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.webmanifest': 'application/manifest+json',
};

// The app's Content-Security-Policy, sent as an HTTP header with every file: the page, the Web Worker
// that parses untrusted files (web/worker.js), the service worker (sw.js) and everything else. A
// worker's policy comes from its own response, never from the page's <meta> tag, so the header is
// what keeps eval and outside requests out of the workers. 'wasm-unsafe-eval' lets WebAssembly
// compile; nothing allows eval() or new Function (the Emscripten glue uses neither). index.html keeps
// the same policy as a <meta> tag for hosts that cannot set headers; frame-ancestors works only here.
export const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; " +
  "connect-src 'self'; img-src 'self' data: blob:; style-src 'self'; object-src 'none'; base-uri 'none'; " +
  "form-action 'none'; frame-ancestors 'none'";
const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * Starts the static server.
 * @param {{port?: number, host?: string, root?: string}} [options]  port 0 picks a free port
 * @returns {Promise<{url: string, close: () => Promise<void>}>}
 */
export async function startServer({ port = 8080, host = '127.0.0.1', root = ROOT } = {}) {
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
      const relative = normalize(path);
      const allowed = !relative.startsWith('..') && SERVED.some((p) => relative === p || relative.startsWith(p));
      const file = join(root, relative);
      if (!allowed || !file.startsWith(root + sep) || !(await stat(file)).isFile()) throw new Error('not found');
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' });
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
    }
  });
  await new Promise((ok, fail) => server.once('error', fail).listen(port, host, ok));
  const url = `http://${host === '127.0.0.1' ? 'localhost' : host}:${server.address().port}/`;
  return { url, close: () => new Promise((ok) => server.close(() => ok())) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const flag = process.argv.indexOf('--port');
  const port = Number(flag > 0 ? process.argv[flag + 1] : process.env.PORT ?? 8080);
  try {
    const { url } = await startServer({ port });
    console.log(`ecg-screen is served at ${url}  (Ctrl+C to stop)`);
  } catch (error) {
    console.error(`serve: could not listen on port ${port}: ${error.code ?? error.message}` +
      (error.code === 'EADDRINUSE' ? ' (another program uses it; try PORT=8081 npm start)' : ''));
    process.exit(1);
  }
}

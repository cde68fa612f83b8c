// Service worker: caches every asset of the app on first visit so it keeps working offline.
// The asset list and its content hash come from web/gen/sw-manifest.js (tools/gen-sw-manifest.mjs);
// a changed asset changes that file, which updates this worker and replaces the old cache.
/* global ECG_ASSETS */
importScripts('./web/gen/sw-manifest.js');

const CACHE = `ecg-screen-${ECG_ASSETS.version}`;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(['./', ...ECG_ASSETS.files].map((url) => new Request(url, { cache: 'reload' })));
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('ecg-screen-') && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') self.skipWaiting();
});

// Cache first: the app never needs the network once installed. Anything not in the cache (there is
// nothing else the app asks for) goes to the network as usual.
self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(request, { ignoreSearch: true }) ??
      (request.mode === 'navigate' ? await cache.match('./') : undefined);
    return hit ?? fetch(request);
  })());
});

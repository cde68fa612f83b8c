// Shared set-up for the real-browser tests: Debian's Chromium through playwright-core, the app's own
// static server, and a log of every request the page (and its workers) make.
import { chromium } from 'playwright-core';

import { startServer } from '../../tools/serve.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** @param {{ args?: string[] }} [options]  extra Chromium flags (e.g. --enable-features=WebBluetooth) */
export async function openApp({ args = [] } = {}) {
  const server = await startServer({ port: 0 });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic', ...args],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 1400 } });
  const requests = [];
  context.on('request', (request) => requests.push(request.url()));
  const errors = [];
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  return {
    server, browser, context, page, requests, errors,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** Requests that went anywhere but the app's own origin. */
export function foreignRequests(requests, appUrl) {
  const origin = new URL(appUrl).origin;
  return requests.filter((url) => !url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).origin !== origin);
}

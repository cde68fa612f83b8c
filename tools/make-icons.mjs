// Writes the app's PNG icons (web/icons/icon-192.png, icon-512.png) for the web app manifest: the
// ECG trace of web/icon.svg drawn white on the theme red, inside the central circle that maskable
// icons keep (80 % of the width), so one picture serves as both an "any" and a "maskable" icon.
// No image tools: the trace is rasterised here (anti-aliased by distance to the polyline) and the
// PNG written with node's zlib. usage: node tools/make-icons.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const OUT = fileURLToPath(new URL('../web/icons/', import.meta.url));
export const BACKGROUND = [0xc6, 0x28, 0x28];  // #c62828, the manifest's theme_color
const TRACE = [0xff, 0xff, 0xff];
// web/icon.svg's polyline in its 64-unit box, scaled by 0.62 about (32, 31) into the safe zone.
const POINTS = [[4, 36], [18, 36], [23, 28], [28, 36], [32, 36], [36, 10], [41, 52], [45, 36], [60, 36]]
  .map(([x, y]) => [32 + (x - 32) * 0.62, 32 + (y - 31) * 0.62]);
const HALF_WIDTH = 1.7;  // stroke half-width in the same units

function distanceToSegment(px, py, [ax, ay], [bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/** RGBA pixels of the icon at size x size. */
export function drawIcon(size) {
  const pixels = Buffer.alloc(size * size * 4);
  const unit = size / 64;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const px = (x + 0.5) / unit;
      const py = (y + 0.5) / unit;
      let d = Infinity;
      for (let k = 1; k < POINTS.length; k++) d = Math.min(d, distanceToSegment(px, py, POINTS[k - 1], POINTS[k]));
      // Coverage: 1 inside the stroke, 0 outside, a linear ramp one pixel wide across its edge.
      const cover = Math.max(0, Math.min(1, (HALF_WIDTH - d) * unit + 0.5));
      const o = (y * size + x) * 4;
      for (let c = 0; c < 3; c++) pixels[o + c] = Math.round(BACKGROUND[c] + (TRACE[c] - BACKGROUND[c]) * cover);
      pixels[o + 3] = 255;
    }
  }
  return pixels;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A PNG file (8-bit RGBA, no filtering) of size x size RGBA pixels. */
export function encodePng(size, pixels) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);  // bit depth 8, colour type RGBA, deflate, no filter method, no interlace
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) pixels.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(OUT, { recursive: true });
  for (const size of [192, 512]) {
    const png = encodePng(size, drawIcon(size));
    writeFileSync(`${OUT}icon-${size}.png`, png);
    console.log(`make-icons: web/icons/icon-${size}.png (${size}x${size}, ${png.length} bytes)`);
  }
}

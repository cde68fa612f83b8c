// Replays real records as a Bluetooth ECG strap would send them, for the Node and browser tests of live
// screening: one lead resampled to 130 Hz and cut into Polar PMD ECG frames (built here from the
// protocol description, ../shared/reference/FACTS.md §5.1), or the record's annotated RR intervals as
// Heart Rate Measurement values (0x2A37); and the reference heart rate from the record's annotations.
import { readAnnotationsFromPath, readRecordFromPath } from '../../web/lib/node.js';

export const FS_HZ = 130;
export const SAMPLES_PER_FRAME = 73;  // the H10's samples per ECG frame at its usual MTU
export const START_NS = 785_000_000_000_000_000n;  // 2024-11-15T15:33:20Z in ns since 2000-01-01
const BEAT_SYMBOLS = new Set('NLRBAaJSVrFejnE/fQ?'.split(''));

/**
 * One lead of a fixture record at 130 Hz and its annotated beat times.
 * @param {import('../../web/lib/ecg-screen.js').EcgScreen} ecg
 * @param {string} stem  fixture path without extension (e.g. tests/fixtures/mitbih/100_2min)
 * @param {string} lead
 * @returns {Promise<{ mv: Float32Array, beatsS: number[] }>}
 */
export async function loadReplay(ecg, stem, lead) {
  const record = await readRecordFromPath(ecg, stem);
  const mv = ecg.resample(record.lead(lead), record.fsHz, FS_HZ);
  const { annotations } = await readAnnotationsFromPath(ecg, `${stem}.atr`);
  const beatsS = annotations.filter((a) => BEAT_SYMBOLS.has(a.symbol)).map((a) => a.sample / record.fsHz);
  return { mv, beatsS };
}

/**
 * PMD ECG data frames: byte 0 measurement type 0 (ECG), bytes 1-8 uint64 LE timestamp of the frame's
 * last sample (ns since 2000-01-01), byte 9 frame type 0, then signed int24 LE microvolts.
 * @param {Float32Array} mv  samples at 130 Hz
 * @returns {Uint8Array[]}
 */
export function pmdFrames(mv, { startNs = START_NS, samplesPerFrame = SAMPLES_PER_FRAME } = {}) {
  const frames = [];
  for (let at = 0; at < mv.length; at += samplesPerFrame) {
    const n = Math.min(samplesPerFrame, mv.length - at);
    const frame = new Uint8Array(10 + 3 * n);
    const view = new DataView(frame.buffer);
    view.setBigUint64(1, startNs + BigInt(Math.round(((at + n - 1) * 1e9) / FS_HZ)), true);
    for (let i = 0; i < n; i++) {
      const uv = Math.round(mv[at + i] * 1000) & 0xffffff;
      frame[10 + 3 * i] = uv & 0xff;
      frame[11 + 3 * i] = (uv >> 8) & 0xff;
      frame[12 + 3 * i] = (uv >> 16) & 0xff;
    }
    frames.push(frame);
  }
  return frames;
}

/**
 * Heart Rate Measurement values carrying the annotated RR intervals, two per value: flags 0x10
 * (8-bit heart rate, RR present), heart rate, RR as uint16 LE in 1/1024 s.
 * @param {number[]} beatsS
 * @returns {Uint8Array[]}
 */
export function heartRateValues(beatsS) {
  const values = [];
  for (let i = 1; i < beatsS.length; i += 2) {
    const ticks = [];
    for (let k = i; k < Math.min(i + 2, beatsS.length); k++) ticks.push(Math.round((beatsS[k] - beatsS[k - 1]) * 1024));
    const value = new Uint8Array(2 + 2 * ticks.length);
    value[0] = 0x10;
    value[1] = Math.round((60 * 1024) / ticks.at(-1));
    ticks.forEach((t, j) => { value[2 + 2 * j] = t & 0xff; value[3 + 2 * j] = t >> 8; });
    values.push(value);
  }
  return values;
}

/** 60 / median RR of the annotated beats in (fromS, toS]: the window the live findings report. */
export function referenceHr(beatsS, fromS, toS) {
  const inside = beatsS.filter((t) => t > fromS && t <= toS);
  const rr = inside.slice(1).map((t, k) => t - inside[k]).sort((a, b) => a - b);
  if (rr.length < 2) throw new Error(`reference heart rate: fewer than three annotated beats in (${fromS}, ${toS}] s`);
  const median = rr.length % 2 ? rr[rr.length >> 1] : (rr[rr.length / 2 - 1] + rr[rr.length / 2]) / 2;
  return 60 / median;
}

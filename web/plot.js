// Draws an ECG on grid paper at a true paper scale (default 25 mm/s, 10 mm/mV). A standard 12-lead
// record gets the 3×4 layout (2.5 s per column: I aVR V1 V4 / II aVL V2 V5 / III aVF V3 V6) plus a
// 10 s lead II rhythm strip; any other lead set gets one row per lead. A live lead is drawn as a
// strip whose right edge is the newest sample.
const PAPER_MM = 250;  // paper width: 10 s at 25 mm/s
const ROW_MM = 30;
const LAYOUT_3X4 = [['I', 'aVR', 'V1', 'V4'], ['II', 'aVL', 'V2', 'V5'], ['III', 'aVF', 'V3', 'V6']];

export const CAL_MM = 7;   // left margin of every row: the 1 mV calibration pulse
const BEAT_COLORS = { N: '#1565c0', S: '#b35c00', V: '#b00020', F: '#6a1b9a', Q: '#555' };

/**
 * Draws the 1 mV calibration pulse at the left of a row: as tall as the gain (10 mm at 10 mm/mV) and
 * 0.2 s wide at the paper speed (5 mm at 25 mm/s).
 */
function calibrationPulse(ctx, midPx, pxPerMm, mmPerMv, mmPerS) {
  // Vertical edges on pixel centres, so that they are drawn solid (not smeared over two columns).
  const x0 = Math.round(pxPerMm) + 0.5, width = Math.round(Math.min(CAL_MM - 2, 0.2 * mmPerS) * pxPerMm), top = midPx - mmPerMv * pxPerMm;
  ctx.strokeStyle = '#111';
  ctx.lineWidth = 1.2;
  ctx.beginPath();
  ctx.moveTo(0, midPx);
  ctx.lineTo(x0, midPx);
  ctx.lineTo(x0, top);
  ctx.lineTo(x0 + width, top);
  ctx.lineTo(x0 + width, midPx);
  ctx.lineTo(CAL_MM * pxPerMm, midPx);
  ctx.stroke();
}

/**
 * @param {HTMLCanvasElement} canvas
 * @param {{fs_hz: number, leads: string[], n_samples: number}} info
 * @param {Float32Array} samples  lead-major, mV
 * @param {number[]} rpeaks  sample indices to mark on the rhythm strip
 * @param {{startS?: number, mmPerS?: number, mmPerMv?: number,
 *   beats?: {sample: number, class: string}[], unusable?: {lead: string, fromS: number, toS: number, reason: string}[]}} [view]
 *   window start and scale (zoom); beats: classified beats to mark (their class letter above the mark);
 *   unusable: stretches of leads the quality index marks unusable, shaded with their reason
 * @returns {{layout: string, startS: number, seconds: number, shaded: number}} what was drawn
 */
export function drawTraces(canvas, info, samples, rpeaks = [], view = {}) {
  const mmPerS = view.mmPerS ?? 25;
  const mmPerMv = view.mmPerMv ?? 10;
  const seconds = PAPER_MM / mmPerS;
  const startS = Math.max(0, Math.min(view.startS ?? 0, Math.max(0, info.n_samples / info.fs_hz - seconds)));
  const twelveLead = LAYOUT_3X4.flat().every((lead) => info.leads.includes(lead));
  const rows = twelveLead ? 4 : info.leads.length;
  const pxPerMm = canvas.width / (CAL_MM + PAPER_MM);
  canvas.height = Math.round(rows * ROW_MM * pxPerMm);
  const ctx = canvas.getContext('2d');
  drawGrid(ctx, canvas.width, canvas.height, pxPerMm);
  let shaded = 0;
  const trace = (lead, row, fromS, toS, x0Mm) => {
    const index = info.leads.indexOf(lead);
    const data = samples.subarray(index * info.n_samples, (index + 1) * info.n_samples);
    const first = Math.max(0, Math.floor(fromS * info.fs_hz));
    const last = Math.min(info.n_samples, Math.ceil(toS * info.fs_hz));
    const baseline = median(data.subarray(first, last));
    const midPx = (row + 0.55) * ROW_MM * pxPerMm;
    const left = (CAL_MM + x0Mm) * pxPerMm;
    for (const stretch of view.unusable ?? []) {
      if (stretch.lead !== lead) continue;
      const a = Math.max(fromS, stretch.fromS), b = Math.min(toS, stretch.toS);
      if (b <= a) continue;
      shaded++;
      ctx.fillStyle = 'rgba(120, 120, 120, 0.35)';
      ctx.fillRect(left + (a - fromS) * mmPerS * pxPerMm, row * ROW_MM * pxPerMm, (b - a) * mmPerS * pxPerMm, ROW_MM * pxPerMm);
      ctx.fillStyle = '#333';
      ctx.font = `${Math.round(2.8 * pxPerMm)}px system-ui, sans-serif`;
      ctx.fillText(`unusable: ${stretch.reason}`, left + (a - fromS) * mmPerS * pxPerMm + pxPerMm, (row + 1) * ROW_MM * pxPerMm - pxPerMm, (b - a) * mmPerS * pxPerMm - 2 * pxPerMm);
    }
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, row * ROW_MM * pxPerMm, (toS - fromS) * mmPerS * pxPerMm, ROW_MM * pxPerMm);
    ctx.clip();  // a tall QRS stays in its own cell
    ctx.strokeStyle = '#111';
    ctx.lineWidth = 1.2;
    ctx.beginPath();
    for (let i = first; i < last; i++) {
      const x = left + (i / info.fs_hz - fromS) * mmPerS * pxPerMm;
      const y = midPx - (data[i] - baseline) * mmPerMv * pxPerMm;
      i === first ? ctx.moveTo(x, y) : ctx.lineTo(x, y);
    }
    ctx.stroke();
    ctx.restore();
    ctx.fillStyle = '#111';
    ctx.font = `${Math.round(3.5 * pxPerMm)}px system-ui, sans-serif`;
    ctx.fillText(lead, left + pxPerMm, (row * ROW_MM + 5) * pxPerMm);
  };
  // The class letter sits above the row, right of its mark; where the row's lead name is (a beat in
  // the first few millimetres) it goes below the name instead, so neither hides the other.
  const markBeats = (row, lead) => {
    const classes = new Map((view.beats ?? []).map((b) => [b.sample, b.class]));
    const y = row * ROW_MM * pxPerMm;
    ctx.font = `${Math.round(3.5 * pxPerMm)}px system-ui, sans-serif`;
    const nameEnd = (CAL_MM + 1.5) * pxPerMm + ctx.measureText(lead).width;
    ctx.font = `bold ${Math.round(3 * pxPerMm)}px system-ui, sans-serif`;
    for (const peak of rpeaks) {
      const xMm = (peak / info.fs_hz - startS) * mmPerS;
      if (xMm < 0 || xMm > PAPER_MM) continue;
      const cls = classes.get(peak);
      ctx.fillStyle = BEAT_COLORS[cls] ?? BEAT_COLORS.N;
      ctx.fillRect((CAL_MM + xMm) * pxPerMm - 1, y, 2, 1.5 * pxPerMm);
      const x = (CAL_MM + xMm + 0.6) * pxPerMm;
      if (cls) ctx.fillText(cls, x, y + (x < nameEnd ? 9 : 4) * pxPerMm);
    }
  };
  if (twelveLead) {
    const columnS = seconds / 4;
    LAYOUT_3X4.forEach((leads, row) => leads.forEach((lead, column) => {
      trace(lead, row, startS + column * columnS, startS + (column + 1) * columnS, column * columnS * mmPerS);
    }));
    trace('II', 3, startS, startS + seconds, 0);
    markBeats(3, 'II');
  } else {
    info.leads.forEach((lead, row) => trace(lead, row, startS, startS + seconds, 0));
    markBeats(0, info.leads[0]);
  }
  for (let row = 0; row < rows; row++) calibrationPulse(ctx, (row + 0.55) * ROW_MM * pxPerMm, pxPerMm, mmPerMv, mmPerS);
  return { layout: twelveLead ? '3x4+II' : 'rows', startS, seconds, shaded };
}

const MEDIAN_MM_PER_S = 50;  // median beats are drawn at twice the paper speed
const MEDIAN_COLORS = { p_on: '#2e7d32', p_off: '#2e7d32', qrs_on: '#1565c0', qrs_off: '#1565c0', t_off: '#6a1b9a' };
const MEDIAN_LABELS = { p_on: 'P on', p_off: 'P off', qrs_on: 'QRS on', qrs_off: 'QRS off', t_off: 'T off' };

/**
 * Draws the median (representative) beat of every lead at 50 mm/s and the given gain, in the 3×4
 * layout for a 12-lead record (else 4 per row), with the fiducial points as coloured vertical lines.
 * @param {HTMLCanvasElement} canvas
 * @param {{fs_hz: number, start_ms: number, beats: number, mv: Record<string, number[]>,
 *   fiducials_ms: Record<string, number|null>}} medians  Findings.median_beats
 * @param {string[]} leads  in the record's order
 * @returns {{panels: number, fiducials: string[]}} what was drawn
 */
export function drawMedianBeats(canvas, medians, leads, { mmPerMv = 10 } = {}) {
  const ctx = canvas.getContext('2d');
  const twelveLead = LAYOUT_3X4.flat().every((lead) => leads.includes(lead));
  const order = twelveLead ? LAYOUT_3X4 : Array.from({ length: Math.ceil(leads.length / 4) }, (_, r) => leads.slice(4 * r, 4 * r + 4));
  const columnMm = PAPER_MM / 4;
  const pxPerMm = canvas.width / (CAL_MM + PAPER_MM);
  canvas.height = Math.round(Math.max(1, order.length) * ROW_MM * pxPerMm);
  drawGrid(ctx, canvas.width, canvas.height, pxPerMm);
  const fiducials = Object.keys(MEDIAN_LABELS).map((name) => [name, medians?.fiducials_ms?.[name]]).filter(([, ms]) => ms != null);
  let panels = 0;
  if (!medians || !medians.beats) {
    ctx.fillStyle = '#111';
    ctx.font = `${Math.round(3.5 * pxPerMm)}px system-ui, sans-serif`;
    ctx.fillText('No median beat: no beat fits a whole window.', 2 * pxPerMm, 10 * pxPerMm);
    return { panels, fiducials: [] };
  }
  const xMm = (column, ms) => CAL_MM + column * columnMm + 4 + (ms - medians.start_ms) / 1000 * MEDIAN_MM_PER_S;
  order.forEach((row, r) => row.forEach((lead, column) => {
    const data = medians.mv[lead];
    if (!data) return;
    panels++;
    const midPx = (r + 0.55) * ROW_MM * pxPerMm;
    const top = r * ROW_MM * pxPerMm;
    for (const [name, ms] of fiducials) {
      const x = Math.round(xMm(column, ms) * pxPerMm) + 0.5;  // on a pixel centre: a solid line
      ctx.strokeStyle = MEDIAN_COLORS[name];
      ctx.lineWidth = 1;
      ctx.setLineDash(name.endsWith('_on') ? [4, 3] : []);
      ctx.beginPath();
      ctx.moveTo(x, top + 2 * pxPerMm);
      ctx.lineTo(x, top + (ROW_MM - 1) * pxPerMm);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.save();
    ctx.beginPath();
    ctx.rect((CAL_MM + column * columnMm) * pxPerMm, top, columnMm * pxPerMm, ROW_MM * pxPerMm);
    ctx.clip();
    ctx.strokeStyle = '#111';
    ctx.lineWidth = 1.4;
    ctx.beginPath();
    data.forEach((v, k) => {
      const x = xMm(column, medians.start_ms + (k * 1000) / medians.fs_hz) * pxPerMm;
      const y = midPx - v * mmPerMv * pxPerMm;
      k ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
    });
    ctx.stroke();
    ctx.restore();
    ctx.fillStyle = '#111';
    ctx.font = `${Math.round(3.5 * pxPerMm)}px system-ui, sans-serif`;
    ctx.fillText(lead, (CAL_MM + column * columnMm + 1) * pxPerMm, top + 5 * pxPerMm);
  }));
  // The fiducial names once, above the first panel's lines.
  ctx.font = `${Math.round(2.4 * pxPerMm)}px system-ui, sans-serif`;
  fiducials.forEach(([name, ms], k) => {
    ctx.fillStyle = MEDIAN_COLORS[name];
    ctx.fillText(MEDIAN_LABELS[name], xMm(0, ms) * pxPerMm + 2, (ROW_MM - 2 - 2.6 * (k % 3)) * pxPerMm);
  });
  for (let r = 0; r < order.length; r++) calibrationPulse(ctx, (r + 0.55) * ROW_MM * pxPerMm, pxPerMm, mmPerMv, MEDIAN_MM_PER_S / 2);
  return { panels, fiducials: fiducials.map(([name]) => name) };
}

const STRIP_MM = 40;

/**
 * Draws the newest samples of a live lead as a strip on grid paper, the newest on the right edge.
 * @param {HTMLCanvasElement} canvas
 * @param {{ ring: Float32Array, endIndex: number, fsHz: number, rpeaks?: number[], lead?: string }} strip
 *   ring: the latest samples, absolute sample index i at ring[i % ring.length] (NaN where samples were
 *   lost); endIndex: the absolute index after the newest sample; rpeaks: absolute indices to mark
 * @param {{ mmPerS?: number, mmPerMv?: number }} [view]
 * @returns {{ seconds: number }} the time span the paper shows
 */
export function drawStrip(canvas, { ring, endIndex, fsHz, rpeaks = [], lead = '' }, view = {}) {
  const mmPerS = view.mmPerS ?? 25;
  const mmPerMv = view.mmPerMv ?? 10;
  const seconds = PAPER_MM / mmPerS;
  const pxPerMm = canvas.width / PAPER_MM;
  canvas.height = Math.round(STRIP_MM * pxPerMm);
  const ctx = canvas.getContext('2d');
  drawGrid(ctx, canvas.width, canvas.height, pxPerMm);
  const count = Math.min(endIndex, Math.floor(seconds * fsHz), ring.length);
  const first = endIndex - count;
  const at = (i) => ring[i % ring.length];
  const visible = [];
  for (let i = first; i < endIndex; i++) if (!Number.isNaN(at(i))) visible.push(at(i));
  const baseline = median(visible);
  const midPx = 0.55 * STRIP_MM * pxPerMm;
  const x = (i) => (PAPER_MM - (endIndex - i) / fsHz * mmPerS) * pxPerMm;
  ctx.strokeStyle = '#111';
  ctx.lineWidth = 1.2;
  ctx.beginPath();
  let drawing = false;
  for (let i = first; i < endIndex; i++) {
    const v = at(i);
    if (Number.isNaN(v)) {
      drawing = false;  // a gap: lost samples are not drawn
      continue;
    }
    const y = midPx - (v - baseline) * mmPerMv * pxPerMm;
    drawing ? ctx.lineTo(x(i), y) : ctx.moveTo(x(i), y);
    drawing = true;
  }
  ctx.stroke();
  ctx.fillStyle = '#1565c0';
  for (const peak of rpeaks) {
    if (peak >= first && peak < endIndex) ctx.fillRect(x(peak) - 1, (STRIP_MM - 2) * pxPerMm, 2, 1.5 * pxPerMm);
  }
  if (lead) {
    ctx.fillStyle = '#111';
    ctx.font = `${Math.round(3.5 * pxPerMm)}px system-ui, sans-serif`;
    ctx.fillText(lead, pxPerMm, 5 * pxPerMm);
  }
  return { seconds };
}

function drawGrid(ctx, width, height, pxPerMm) {
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  for (let mm = 0; mm * pxPerMm <= width; mm++) line(ctx, mm * pxPerMm, 0, mm * pxPerMm, height, mm % 5 ? '#f6d5d5' : '#e49b9b');
  for (let mm = 0; mm * pxPerMm <= height; mm++) line(ctx, 0, mm * pxPerMm, width, mm * pxPerMm, mm % 5 ? '#f6d5d5' : '#e49b9b');
}

function line(ctx, x0, y0, x1, y1, color) {
  ctx.strokeStyle = color;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.stroke();
}

function median(values) {
  const sorted = Float32Array.from(values).sort();
  return sorted.length ? sorted[sorted.length >> 1] : 0;
}

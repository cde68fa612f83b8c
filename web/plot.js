// Draws an ECG on grid paper at a true paper scale (default 25 mm/s, 10 mm/mV). A standard 12-lead
// record gets the 3×4 layout (2.5 s per column: I aVR V1 V4 / II aVL V2 V5 / III aVF V3 V6) plus a
// 10 s lead II rhythm strip; any other lead set gets one row per lead. A live lead is drawn as a
// strip whose right edge is the newest sample.
const PAPER_MM = 250;  // paper width: 10 s at 25 mm/s
const ROW_MM = 30;
const LAYOUT_3X4 = [['I', 'aVR', 'V1', 'V4'], ['II', 'aVL', 'V2', 'V5'], ['III', 'aVF', 'V3', 'V6']];

/**
 * @param {HTMLCanvasElement} canvas
 * @param {{fs_hz: number, leads: string[], n_samples: number}} info
 * @param {Float32Array} samples  lead-major, mV
 * @param {number[]} rpeaks  sample indices to mark on the rhythm strip
 * @param {{startS?: number, mmPerS?: number, mmPerMv?: number}} [view]  window start and scale (zoom)
 * @returns {{layout: string, startS: number, seconds: number}} what was drawn
 */
export function drawTraces(canvas, info, samples, rpeaks = [], view = {}) {
  const mmPerS = view.mmPerS ?? 25;
  const mmPerMv = view.mmPerMv ?? 10;
  const seconds = PAPER_MM / mmPerS;
  const startS = Math.max(0, Math.min(view.startS ?? 0, Math.max(0, info.n_samples / info.fs_hz - seconds)));
  const twelveLead = LAYOUT_3X4.flat().every((lead) => info.leads.includes(lead));
  const rows = twelveLead ? 4 : info.leads.length;
  const pxPerMm = canvas.width / PAPER_MM;
  canvas.height = Math.round(rows * ROW_MM * pxPerMm);
  const ctx = canvas.getContext('2d');
  drawGrid(ctx, canvas.width, canvas.height, pxPerMm);
  const trace = (lead, row, fromS, toS, x0Mm) => {
    const index = info.leads.indexOf(lead);
    const data = samples.subarray(index * info.n_samples, (index + 1) * info.n_samples);
    const first = Math.max(0, Math.floor(fromS * info.fs_hz));
    const last = Math.min(info.n_samples, Math.ceil(toS * info.fs_hz));
    const baseline = median(data.subarray(first, last));
    const midPx = (row + 0.55) * ROW_MM * pxPerMm;
    ctx.save();
    ctx.beginPath();
    ctx.rect(x0Mm * pxPerMm, row * ROW_MM * pxPerMm, (toS - fromS) * mmPerS * pxPerMm, ROW_MM * pxPerMm);
    ctx.clip();  // a tall QRS stays in its own cell
    ctx.strokeStyle = '#111';
    ctx.lineWidth = 1.2;
    ctx.beginPath();
    for (let i = first; i < last; i++) {
      const x = (x0Mm + (i / info.fs_hz - fromS) * mmPerS) * pxPerMm;
      const y = midPx - (data[i] - baseline) * mmPerMv * pxPerMm;
      i === first ? ctx.moveTo(x, y) : ctx.lineTo(x, y);
    }
    ctx.stroke();
    ctx.restore();
    ctx.fillStyle = '#111';
    ctx.font = `${Math.round(3.5 * pxPerMm)}px system-ui, sans-serif`;
    ctx.fillText(lead, (x0Mm + 1) * pxPerMm, (row * ROW_MM + 5) * pxPerMm);
  };
  if (twelveLead) {
    const columnS = seconds / 4;
    LAYOUT_3X4.forEach((leads, row) => leads.forEach((lead, column) => {
      trace(lead, row, startS + column * columnS, startS + (column + 1) * columnS, column * columnS * mmPerS);
    }));
    trace('II', 3, startS, startS + seconds, 0);
    ctx.fillStyle = '#1565c0';
    for (const peak of rpeaks) {
      const xMm = (peak / info.fs_hz - startS) * mmPerS;
      if (xMm >= 0 && xMm <= PAPER_MM) ctx.fillRect(xMm * pxPerMm - 1, 3 * ROW_MM * pxPerMm, 2, 1.5 * pxPerMm);
    }
  } else {
    info.leads.forEach((lead, row) => trace(lead, row, startS, startS + seconds, 0));
  }
  return { layout: twelveLead ? '3x4+II' : 'rows', startS, seconds };
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

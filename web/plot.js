// Draws ECG traces on grid paper: 25 mm/s and 10 mm/mV, one row per lead.
const MM_PER_S = 25;
const MM_PER_MV = 10;

/**
 * @param {HTMLCanvasElement} canvas
 * @param {{fs_hz: number, leads: string[], n_samples: number}} info
 * @param {Float32Array} samples  lead-major, mV
 * @param {number[]} rpeaks  sample indices to mark
 */
export function drawTraces(canvas, info, samples, rpeaks = []) {
  const ctx = canvas.getContext('2d');
  const { width, height } = canvas;
  const seconds = info.n_samples / info.fs_hz;
  const pxPerMm = width / (seconds * MM_PER_S);
  drawGrid(ctx, width, height, pxPerMm);
  const rowHeight = height / info.leads.length;
  const pxPerSample = width / info.n_samples;
  ctx.lineWidth = 1.2;
  ctx.font = `${Math.max(10, Math.round(pxPerMm * 2.5))}px system-ui, sans-serif`;
  info.leads.forEach((lead, row) => {
    const trace = samples.subarray(row * info.n_samples, (row + 1) * info.n_samples);
    const mid = (row + 0.5) * rowHeight;
    const baseline = median(trace);
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, row * rowHeight, width, rowHeight);
    ctx.clip();  // a tall QRS stays in its own row
    ctx.strokeStyle = '#111';
    ctx.beginPath();
    for (let i = 0; i < trace.length; i++) {
      const x = i * pxPerSample;
      const y = mid - (trace[i] - baseline) * MM_PER_MV * pxPerMm;
      i === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y);
    }
    ctx.stroke();
    ctx.restore();
    ctx.fillStyle = '#111';
    ctx.fillText(lead, 4, row * rowHeight + 14);
  });
  ctx.fillStyle = '#1565c0';
  for (const peak of rpeaks) ctx.fillRect(peak * pxPerSample - 1, 0, 2, 6);
}

function drawGrid(ctx, width, height, pxPerMm) {
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  for (let mm = 0, x = 0; x <= width; mm++, x = mm * pxPerMm) line(ctx, x, 0, x, height, mm % 5 ? '#f6d5d5' : '#e49b9b');
  for (let mm = 0, y = 0; y <= height; mm++, y = mm * pxPerMm) line(ctx, 0, y, width, y, mm % 5 ? '#f6d5d5' : '#e49b9b');
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

// Batch review: the table of every screened record (sortable, filterable, "abnormal only"), its CSV and
// JSON export, and the progress line (count and time left). Presentation only: the values are the
// core's Findings as web/report.js words them.
import { isAbnormal, positiveText, qualityText, rhythmText } from './report.js';

/** The table's columns: key, heading, the cell text, and the value it sorts by. */
export const COLUMNS = [
  { key: 'record', title: 'Record', text: (e) => e.name, sort: (e) => e.name },
  { key: 'hr', title: 'HR (bpm)', text: (e) => (e.result?.findings.heart_rate_bpm == null ? '–' : String(Math.round(e.result.findings.heart_rate_bpm))),
    sort: (e) => e.result?.findings.heart_rate_bpm ?? -Infinity },
  { key: 'rhythm', title: 'Rhythm', text: (e) => (e.result ? rhythmText(e.result.findings) : '–'), sort: (e) => (e.result ? rhythmText(e.result.findings) : '') },
  { key: 'positive', title: 'Positive findings', text: (e) => (e.result ? positiveText(e.result.findings) : e.error ? `could not be read: ${e.error}` : e.state),
    sort: (e) => (e.result ? positiveText(e.result.findings) : `~${e.error ?? e.state}`) },
  { key: 'quality', title: 'Quality', text: (e) => (e.result ? qualityText(e.result.findings) : '–'), sort: (e) => (e.result ? qualityText(e.result.findings) : '~') },
  { key: 'inconclusive', title: 'Inconclusive', text: (e) => (!e.result ? '–' : e.result.findings.inconclusive ? 'yes' : 'no'),
    sort: (e) => (!e.result ? 2 : e.result.findings.inconclusive ? 1 : 0) },
];

const ROWS_PER_FRAME = 20;
const FLUSH_MS = 250;

// Runs fn once, before the next frame is drawn while the page is visible, so that each frame lays out
// at most one chunk of rows (timers would add every chunk before the first frame, and that frame then
// lays out and paints the whole table in one long task). A hidden page draws no frames, and throttles
// chained timers (one a second, or a minute): there fn is a MessageChannel message, and a page hidden
// while a frame is awaited runs it that way too. The channel is made on first use, so importing this
// module (Node tests) opens no port.
let channel = null;
const queued = [];
function post(fn) {
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => queued.shift()?.();
  }
  queued.push(fn);
  channel.port2.postMessage(0);
}
function nextFrame(fn) {
  const hidden = () => typeof document === 'object' && document.visibilityState === 'hidden';
  if (typeof requestAnimationFrame !== 'function' || typeof MessageChannel !== 'function') return void setTimeout(fn, 0);
  if (hidden()) return post(fn);
  let ran = false;
  const once = () => {
    if (ran) return;
    ran = true;
    document.removeEventListener('visibilitychange', onHide);
    fn();
  };
  const onHide = () => { if (hidden()) post(once); };
  document.addEventListener('visibilitychange', onHide);
  requestAnimationFrame(once);
}

/** An entry is shown under "abnormal only" when its record is abnormal or could not be read. */
export const entryAbnormal = (e) => !!e.error || (!!e.result && isAbnormal(e.result.findings));

// The cells' texts and sort values of an entry, computed once per state of the entry.
const cacheKey = (e) => `${e.state}|${e.name}|${e.error ?? ''}|${!!e.result}`;
function cells(e) {
  const key = cacheKey(e);
  if (e.cellCache?.key !== key) {
    e.cellCache = { key, text: COLUMNS.map((c) => c.text(e)), lower: null, sort: COLUMNS.map((c) => c.sort(e)), abnormal: entryAbnormal(e) };
    e.cellCache.lower = e.cellCache.text.map((t) => t.toLowerCase());
  }
  return e.cellCache;
}

/** Entries filtered (text matches any cell, case-insensitive; abnormal only) and sorted (stable). */
export function visibleEntries(entries, { text = '', abnormalOnly = false, sortKey = null, descending = false } = {}) {
  const needle = text.trim().toLowerCase();
  let rows = entries.filter((e) => (!abnormalOnly || cells(e).abnormal) && (!needle || cells(e).lower.some((t) => t.includes(needle))));
  const index = COLUMNS.findIndex((c) => c.key === sortKey);
  if (index >= 0) {
    rows = rows.map((e, i) => [cells(e).sort[index], i, e]).sort(([a, i], [b, j]) => (a < b ? -1 : a > b ? 1 : i - j) * (descending ? -1 : 1)).map(([, , e]) => e);
  }
  return rows;
}

// RFC 4180 field: quoted when it holds a comma, quote or line break.
const csvField = (v) => (/[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
const MEASURES = ['rr_ms', 'pr_ms', 'qrs_ms', 'qt_ms', 'qtc_ms', 'p_axis_deg', 'qrs_axis_deg', 't_axis_deg'];

/** Every result as CSV (one header line, one row per record, whatever the table's filter). */
export function toCsv(entries) {
  const header = ['record', 'status', 'heart_rate_bpm', 'rhythm', 'positive', 'quality', 'inconclusive', 'inconclusive_reasons',
    ...MEASURES, 'qtc_formula', 'model', 'error'];
  const rows = entries.map((e) => {
    const f = e.result?.findings;
    const m = f?.measurements ?? {};
    const num = (x, digits = 1) => (x?.value == null ? '' : x.value.toFixed(digits));
    return [e.name, e.result ? 'screened' : e.error ? 'error' : e.state, f?.heart_rate_bpm == null ? '' : f.heart_rate_bpm.toFixed(1),
      f ? rhythmText(f) : '', f ? positiveText(f) : '', f ? qualityText(f) : '', f ? (f.inconclusive ? 'yes' : 'no') : '',
      f ? f.inconclusive_reasons.join('; ') : '', ...MEASURES.map((k) => num(m[k])), m.qtc_ms?.formula ?? '', f?.model?.name ?? '', e.error ?? '']
      .map((v) => csvField(String(v)));
  });
  return [header.join(','), ...rows.map((r) => r.join(','))].join('\r\n') + '\r\n';
}

/** Every result as JSON: [{record, status, error?, findings?}] with the core's whole Findings. */
export function toJson(entries) {
  return JSON.stringify(entries.map((e) => ({
    record: e.name, status: e.result ? 'screened' : e.error ? 'error' : e.state,
    ...(e.error ? { error: e.error } : {}), ...(e.result ? { findings: e.result.findings } : {}),
  })), null, 1);
}

/** "12 of 200 screened, about 40 s left": the time left from the mean time per record so far. */
export function progressText(done, total, elapsedMs) {
  if (!done) return `0 of ${total} screened`;
  const left = Math.round(((elapsedMs / done) * (total - done)) / 1000);
  const time = left >= 90 ? `${Math.round(left / 60)} min` : `${left} s`;
  return `${done} of ${total} screened${done < total ? `, about ${time} left` : ''}`;
}

/** Offers text as a file download (a Blob URL; nothing leaves the device). */
export function downloadText(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The batch table in the page: a <thead> of sort buttons, a <tbody> of rows whose record button opens
 * its report. Re-renders at most once per animation frame however many results arrive.
 */
export class BatchTable {
  /**
   * @param {{table: HTMLTableElement, filter: HTMLInputElement, abnormalOnly: HTMLInputElement, count: HTMLElement}} parts
   * @param {(entry: object) => void} onOpen
   */
  constructor(parts, onOpen) {
    this.parts = parts;
    this.onOpen = onOpen;
    this.entries = [];
    this.sortKey = null;
    this.descending = false;
    this.current = null;
    this.pending = false;
    this.dirty = new Set();
    this.whole = false;
    const row = document.createElement('tr');
    row.setAttribute('role', 'row');
    for (const column of COLUMNS) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.setAttribute('role', 'columnheader');
      th.dataset.key = column.key;
      th.setAttribute('aria-sort', 'none');
      const button = Object.assign(document.createElement('button'), { type: 'button', textContent: column.title, className: 'sort' });
      button.addEventListener('click', () => this.sortBy(column.key));
      th.append(button);
      row.append(th);
    }
    parts.table.tHead.replaceChildren(row);
    parts.filter.addEventListener('input', () => this.update());
    parts.abnormalOnly.addEventListener('change', () => this.update());
  }

  setEntries(entries) {
    this.entries = entries;
    this.update();
  }

  sortBy(key) {
    this.descending = this.sortKey === key ? !this.descending : false;
    this.sortKey = key;
    for (const th of this.parts.table.tHead.rows[0].cells) {
      th.setAttribute('aria-sort', th.dataset.key !== key ? 'none' : this.descending ? 'descending' : 'ascending');
    }
    this.render();
  }

  /**
   * An entry changed (or, without one, the whole list did). Changes are drawn together, at most every
   * FLUSH_MS and before a frame: each frame of a busy page costs about the same however many rows it
   * changes, so a result every 50 ms must not mean a frame every 50 ms. With no sort and no filter a
   * changed row is replaced where it stands; otherwise, or for the whole list, the table is drawn again.
   */
  update(entry) {
    if (entry) this.dirty.add(entry);
    else this.whole = true;
    if (this.pending) return;
    this.pending = true;
    const wait = entry ? Math.max(0, (this.lastFlush ?? -Infinity) + FLUSH_MS - performance.now()) : 0;
    setTimeout(() => nextFrame(() => this.flush()), wait);
  }

  /** Draws the changes waiting for the next flush now (a table drawn again still goes in chunks). */
  flush() {
    this.pending = false;
    this.lastFlush = performance.now();
    const plain = !this.sortKey && !this.parts.filter.value.trim() && !this.parts.abnormalOnly.checked;
    const changed = [...this.dirty];
    this.dirty.clear();
    // A row that an unfinished render has yet to add is drawn from the entry as it then stands.
    const inPlace = (e) => e.rowCache?.tr.isConnected || this.unrendered?.has(e);
    if (this.whole || !plain || !changed.every(inPlace)) {
      this.whole = false;
      return this.render();
    }
    for (const e of changed) if (e.rowCache?.tr.isConnected) e.rowCache.tr.replaceWith(this.styled(e));
    this.count();
  }

  visible() {
    return visibleEntries(this.entries, { text: this.parts.filter.value, abnormalOnly: this.parts.abnormalOnly.checked, sortKey: this.sortKey, descending: this.descending });
  }

  /** The row of an entry: built once per state of the entry (its texts computed once), then reused. */
  row(e) {
    const key = cacheKey(e);
    if (e.rowCache?.key === key) return e.rowCache.tr;
    const tr = document.createElement('tr');
    tr.setAttribute('role', 'row');
    const { text } = cells(e);
    COLUMNS.forEach((column, k) => {
      const cell = document.createElement(k ? 'td' : 'th');
      cell.setAttribute('role', k ? 'cell' : 'rowheader');
      if (!k) cell.scope = 'row';
      if (!k && e.result) {
        const button = Object.assign(document.createElement('button'), { type: 'button', textContent: text[k], className: 'open' });
        button.setAttribute('aria-label', `Open the report of ${e.name}`);
        button.addEventListener('click', () => this.onOpen(e));
        cell.append(button);
      } else {
        cell.textContent = text[k];
      }
      tr.append(cell);
    });
    e.rowCache = { key, tr, abnormal: !!e.result && isAbnormal(e.result.findings) };
    return tr;
  }

  styled(e) {
    const tr = this.row(e);
    tr.className = [e === this.current ? 'current' : '', e.error ? 'failed' : '', e.rowCache.abnormal ? 'abnormal' : ''].join(' ').trim();
    return tr;
  }

  count() {
    const screened = this.entries.filter((e) => e.result || e.error).length;
    this.parts.count.textContent = `Showing ${this.parts.table.tBodies[0].rows.length} of ${this.entries.length} records (${screened} screened).`;
  }

  // Rows go into the page ROWS_PER_FRAME at a time, one frame each (see nextFrame), so that laying out
  // a long table never keeps the page busy for long; a newer render stops an unfinished one.
  render() {
    const rows = this.visible();
    const token = (this.renderToken = {});
    const body = this.parts.table.tBodies[0];
    this.unrendered = new Set(rows.slice(ROWS_PER_FRAME));
    body.replaceChildren(...rows.slice(0, ROWS_PER_FRAME).map((e) => this.styled(e)));
    this.count();
    const more = (from) => {
      if (this.renderToken !== token || from >= rows.length) return;
      const chunk = rows.slice(from, from + ROWS_PER_FRAME);
      for (const e of chunk) this.unrendered.delete(e);
      body.append(...chunk.map((e) => this.styled(e)));
      this.count();
      nextFrame(() => more(from + ROWS_PER_FRAME));
    };
    nextFrame(() => more(ROWS_PER_FRAME));
  }
}

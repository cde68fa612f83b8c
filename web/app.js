// The page: opens files, a folder or the built-in sample, hands each record to the worker, shows the
// traces on ECG paper and the findings; the live panel (web/live.js) streams a Bluetooth strap.
import { BatchTable, downloadText, progressText, toCsv, toJson } from './batch.js';
import { EngineClient, readFiles } from './engine-client.js';
import { initLive } from './live.js';
import { canUseServiceWorker, loadSampleFiles } from './platform.js';
import { drawMedianBeats, drawTraces } from './plot.js';
import { renderReport, unusableStretches } from './report.js';

const $ = (id) => document.getElementById(id);
const results = [];  // one entry per record: {name, state, result?, error?}
let shown = null;
let engineVersion = '';
let batchAbort = null;
let showToken = null;  // the record whose deferred drawings may still run

function setStatus(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}

let live = null;
const engine = new EngineClient((state) => {
  if (!state.ready) return setStatus(`The ECG engine could not start: ${state.error}`, true);
  engineVersion = state.version;
  setStatus(`Ready (engine ${state.version}). Open ECG files or screen the built-in sample.`);
  for (const id of ['screen-sample', 'file-input', 'folder-input']) $(id).disabled = false;
  live.ready(state.ble);
});
live = initLive(engine);

const table = new BatchTable({ table: $('batch-table'), filter: $('batch-filter'), abnormalOnly: $('abnormal-only'), count: $('batch-count') }, (entry) => {
  show(entry);
  $('findings-heading').focus();
});

function patient() {
  const age = $('age').value === '' ? null : Number($('age').value);
  return { age, sex: $('sex').value };
}

/**
 * Groups files into records: each WFDB header with the files sharing its name stem, and each CSV or
 * EDF file on its own. Files that belong to no record are reported instead of being silently dropped.
 */
function groupRecords(files) {
  const stem = (name) => name.replace(/\.[^.]*$/, '');
  const headers = files.filter((f) => /\.hea$/i.test(f.name));
  const single = files.filter((f) => /\.(csv|tsv|edf)$/i.test(f.name));
  if (headers.length + single.length <= 1) return { records: [files], unused: [] };
  const byStem = new Map();
  for (const f of files) if (!single.includes(f)) byStem.set(stem(f.name), [...(byStem.get(stem(f.name)) ?? []), f]);
  // Records in the order the files were chosen (a header or a single-file record where it stands).
  const records = files.filter((f) => headers.includes(f) || single.includes(f)).map((f) => (single.includes(f) ? [f] : byStem.get(stem(f.name))));
  const used = new Set(records.flat());
  return { records, unused: files.filter((f) => !used.has(f)) };
}

const recordName = (files) => (files.find((f) => /\.hea$/i.test(f.name))?.name ?? files[0].name).replace(/\.[^.]*$/, '');

async function screenFiles(files) {
  const { records, unused } = groupRecords(files);
  batchAbort?.abort();
  clearFindings();
  const skipped = unused.length ? ` Not part of any record (no .hea with the same name, and not a .csv or .edf): ${unused.map((f) => f.name).join(', ')}.` : '';
  if (records.length === 1) {
    results.length = 0;
    $('batch').hidden = true;
    const entry = { name: recordName(records[0]), state: 'screening' };
    results.push(entry);
    setStatus(`Screening ${records[0].map((f) => f.name).join(', ')}…`);
    try {
      entry.result = await engine.screen(records[0], patient());
      entry.name = entry.result.info.record;
      show(entry);
      const { info } = entry.result;
      setStatus(`Screened ${entry.name}: ${info.leads.length} leads, ${info.duration_s.toFixed(1)} s at ${info.fs_hz} Hz.${skipped}`, !!skipped);
    } catch (error) {
      entry.error = error.message;
      setStatus(entry.error + skipped, true);
    }
    return;
  }
  await screenBatch(records, skipped);
}

// Many records: every request goes to the engine's queue at once (the worker screens one at a time);
// each answer updates the table and the progress line. Cancel aborts the requests still waiting.
async function screenBatch(records, skipped) {
  const abort = new AbortController();
  batchAbort = abort;
  results.length = 0;
  results.push(...records.map((files) => ({ name: recordName(files), state: 'waiting' })));
  $('batch').hidden = false;
  table.setEntries(results);
  $('batch-progress').max = records.length;
  $('batch-progress').value = 0;
  $('batch-cancel').disabled = false;
  for (const id of ['batch-csv', 'batch-json', 'print-all']) $(id).disabled = true;
  const started = performance.now();
  let done = 0, failures = 0, lastProgress = -Infinity;
  // The progress line changes at most every 250 ms (and always for the last record): every change
  // costs the page a frame.
  const progress = (final = false) => {
    if (!final && done < records.length && performance.now() - lastProgress < 250) return;
    lastProgress = performance.now();
    $('batch-progress').value = done;
    $('batch-progress-text').textContent = progressText(done, records.length, performance.now() - started);
  };
  progress();
  setStatus(`Screening ${records.length} records…`);
  await Promise.all(records.map(async (files, k) => {
    const entry = results[k];
    try {
      entry.result = await engine.screen(files, patient(), { signal: abort.signal });
      entry.name = entry.result.info.record;
      entry.state = 'screened';
    } catch (error) {
      if (error.name === 'AbortError') return void (entry.state = 'cancelled');
      entry.error = error.message;
      entry.state = 'error';
      failures++;
    }
    done++;
    progress();
    table.update(entry);
  }));
  if (batchAbort !== abort) return;  // a newer batch replaced this one
  batchAbort = null;
  progress(true);
  table.flush();  // the rows of the last results, drawn before the status says the batch is done
  $('batch-cancel').disabled = true;
  for (const id of ['batch-csv', 'batch-json', 'print-all']) $(id).disabled = false;
  table.update();
  const cancelled = abort.signal.aborted ? ` Cancelled: ${records.length - done} not screened.` : '';
  setStatus(`Screened ${done - failures} of ${records.length} records${failures ? `; ${failures} could not be read (see the table)` : ''}.${cancelled}${skipped}`,
    failures > 0 || !!skipped);
  // The first record's report, drawn in a task of its own once the table is complete.
  const first = results.find((e) => e.result);
  if (first && !shown) setTimeout(() => { if (!shown) show(first); }, 0);
}

// The report's sections are hidden while no record is shown (a batch starting lays out less).
const reportSections = () => [document.querySelector('.findings'), document.querySelector('.plot')];

function clearFindings() {
  shown = null;
  for (const section of reportSections()) section.hidden = true;
  $('print-report').disabled = true;
  for (const id of ['record-name', 'warnings', 'measurements', 'positive-classes']) $(id).replaceChildren();
  for (const id of ['heart-rate', 'beat-count', 'leads', 'model-used']) $(id).textContent = '–';
  for (const id of ['class-table', 'rule-evidence']) $(id).replaceChildren();
  $('inconclusive').hidden = true;
  $('report-versions').textContent = '';
  $('median-caption').textContent = '';
  showToken = null;
  for (const id of ['ecg-plot', 'print-plot', 'median-plot']) {
    const canvas = $(id);
    canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
  }
}

function show(entry) {
  shown = entry;
  for (const section of reportSections()) section.hidden = false;
  const { findings, info } = entry.result;
  $('record-name').textContent = `— ${findings.record}`;
  $('heart-rate').textContent = findings.heart_rate_bpm == null ? 'not assessable' : `${Math.round(findings.heart_rate_bpm)} bpm`;
  $('beat-count').textContent = String(findings.rpeaks.length);
  $('leads').textContent = findings.leads.join(', ');
  $('warnings').replaceChildren(...findings.warnings.map((w) => Object.assign(document.createElement('li'), { textContent: w })));
  renderReport({ measurements: $('measurements'), groups: $('positive-classes'), banner: $('inconclusive') }, findings);
  showClasses(findings);
  $('report-meta').textContent = reportMeta(findings, info);
  $('report-versions').textContent = versionsText(findings);
  $('print-report').disabled = false;
  $('start').value = '0';
  $('start').max = String(Math.max(0, info.duration_s - 250 / Number($('speed').value)));
  $('start').disabled = Number($('start').max) === 0;
  redraw();
  // The printed copy (always 25 mm/s and 10 mm/mV from the start of the record) and the median beats,
  // each drawn in a task of its own so that no task keeps the page busy for long.
  const token = {};
  showToken = token;
  setTimeout(() => {
    if (showToken !== token) return;
    drawTraces($('print-plot'), info, entry.result.samples, findings.rpeaks, { beats: findings.beats, unusable: unusableStretches(findings, info.duration_s) });
    setTimeout(() => {
      if (showToken !== token) return;
      const medians = drawMedianBeats($('median-plot'), findings.median_beats, findings.leads);
      $('median-caption').textContent = findings.median_beats?.beats
        ? `Median of ${findings.median_beats.beats} beats per lead at 50 mm/s, 10 mm/mV; lines: ${medians.fiducials.map((f) => f.replace('_', ' ')).join(', ') || 'no fiducial point found in half of the beats'} (dashed: onsets).`
        : 'No median beat: no beat fits a whole window.';
    }, 0);
  }, 0);
  table.current = entry;
  table.update();
}

function reportMeta(findings, info) {
  const who = [findings.age == null ? null : `age ${findings.age}`, findings.sex === 'unknown' ? null : findings.sex].filter(Boolean).join(', ');
  return `Record ${findings.record}${who ? ` (${who})` : ''}; ${info.leads.length} leads, ` +
    `${info.duration_s.toFixed(1)} s at ${info.fs_hz} Hz; screened ${new Date().toLocaleString()} by ecg-screen on this device.`;
}

const versionsText = (findings) => `ecg-screen ${engineVersion || '?'}; model: ${findings.model ? findings.model.name : 'none (clinical rules only)'}; ` +
  'rules: ecg-screen clinical rules.';

const el = (tag, text, className) => Object.assign(document.createElement(tag), { textContent: text ?? '', className: className ?? '' });
const percent = (p) => (p == null ? '–' : `${(100 * p).toFixed(1)} %`);

// Every class with its numbers (probabilities "not interpretable" on an inconclusive record), and the
// evidence of every rule.
function showClasses(findings) {
  const model = findings.model;
  $('model-used').textContent = model
    ? `${model.name} (${model.lead_set} leads: ${model.leads.join(', ')}; ${model.windows} window${model.windows === 1 ? '' : 's'} of ${(model.input_len / model.fs_hz).toFixed(1)} s)`
    : 'none fits these leads: clinical rules only';
  const withheld = findings.inconclusive;
  $('class-table').replaceChildren(...findings.classes.map((c) => {
    const row = el('tr', '', c.decision && !withheld ? 'positive-row' : '');
    for (const text of [`${c.abbr} — ${c.name}`, withheld && c.probability != null ? 'not interpretable' : percent(c.probability), c.threshold == null ? '–' : c.threshold.toFixed(2),
      withheld ? 'withheld' : c.model ?? '–', c.rule?.replace('_', ' ') ?? '–', withheld ? 'withheld' : c.decision ? `positive (${c.source})` : 'negative']) row.append(el('td', text));
    return row;
  }));
  $('rule-evidence').replaceChildren(...findings.rules.rules.map((r) => {
    const evidence = r.evidence.map((e) => `${e.name}${e.lead ? ` ${e.lead}` : ''} = ${e.value == null ? '–' : +e.value.toFixed(3)} ${e.unit}`).join(', ');
    return el('li', `${r.id}: ${r.decision.replace('_', ' ')} — ${r.criterion}${evidence ? `; ${evidence}` : ''}${r.note ? `; ${r.note}` : ''}`);
  }));
}

function redraw() {
  if (!shown) return;
  const { info, samples, findings } = shown.result;
  const view = {
    startS: Number($('start').value), mmPerS: Number($('speed').value), mmPerMv: Number($('gain').value),
    beats: findings.beats, unusable: unusableStretches(findings, info.duration_s),
  };
  const drawn = drawTraces($('ecg-plot'), info, samples, findings.rpeaks, view);
  $('start-label').textContent = `${drawn.startS.toFixed(1)} s`;
  const shadedText = view.unusable.length ? ` Shaded: ${view.unusable.map((u) => `lead ${u.lead} ${u.fromS.toFixed(1)}–${u.toS.toFixed(1)} s (${u.reason})`).join('; ')}.` : '';
  $('scale').textContent = `${view.mmPerS} mm/s, ${view.mmPerMv} mm/mV; small squares 1 mm; showing ${drawn.startS.toFixed(1)}–${(drawn.startS + drawn.seconds).toFixed(1)} s` +
    (drawn.layout === '3x4+II' ? '; bottom row: lead II rhythm strip with the detected beats marked.' : '.') + ' Each row starts with a 1 mV calibration pulse.' + shadedText;
}

// ---- print all: one A4 landscape page per screened record -------------------------------------
async function printAll() {
  const screened = results.filter((e) => e.result);
  if (!screened.length) return;
  $('print-all').disabled = true;
  const pages = $('print-pages');
  for (const img of pages.querySelectorAll('img')) URL.revokeObjectURL(img.src);
  pages.replaceChildren();
  const canvas = document.createElement('canvas');
  canvas.width = $('print-plot').width;
  for (const [k, entry] of screened.entries()) {
    setStatus(`Preparing page ${k + 1} of ${screened.length} for printing…`);
    const { findings, info, samples } = entry.result;
    const page = el('article', '', 'print-page');
    const banner = el('p', '', 'inconclusive');
    const measurements = el('dl', '', 'measurements');
    const groups = el('div', '', 'groups');
    renderReport({ measurements, groups, banner }, findings);
    drawTraces(canvas, info, samples, findings.rpeaks, { beats: findings.beats, unusable: unusableStretches(findings, info.duration_s) });
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
    const img = Object.assign(document.createElement('img'), { src: URL.createObjectURL(blob), alt: `ECG of ${findings.record}, 25 mm/s, 10 mm/mV` });
    img.className = 'print-trace';
    page.append(el('h2', `ecg-screen report — ${findings.record}`), el('p', `${reportMeta(findings, info)} Patient: ____________________`, 'meta'),
      banner, measurements, groups, img, el('p', 'Screening aid only, not a diagnosis: a clinician must review every ECG.', 'disclaimer'),
      el('p', versionsText(findings), 'versions'));
    pages.append(page);
    await new Promise((resolve) => setTimeout(resolve, 0));  // one record per task: the page stays responsive
  }
  document.body.classList.add('printing-all');
  setStatus(`${screened.length} pages ready; printing.`);
  $('print-all').disabled = false;
  window.print();
}
window.addEventListener('afterprint', () => document.body.classList.remove('printing-all'));

$('batch-cancel').addEventListener('click', () => batchAbort?.abort());
$('batch-csv').addEventListener('click', () => downloadText('ecg-screen-results.csv', toCsv(results), 'text/csv'));
$('batch-json').addEventListener('click', () => downloadText('ecg-screen-results.json', toJson(results), 'application/json'));
$('print-all').addEventListener('click', () => printAll());

for (const id of ['speed', 'gain', 'start']) $(id).addEventListener('input', () => {
  if (id === 'speed' && shown) $('start').max = String(Math.max(0, shown.result.info.duration_s - 250 / Number($('speed').value)));
  redraw();
});

for (const id of ['file-input', 'folder-input']) {
  $(id).addEventListener('change', async (event) => {
    const files = await readFiles(event.target.files);
    event.target.value = '';
    if (files.length) await screenFiles(files);
  });
}

$('print-report').addEventListener('click', () => {
  document.body.classList.remove('printing-all');
  window.print();
});

$('screen-sample').addEventListener('click', async () => {
  try {
    await screenFiles(await loadSampleFiles());
  } catch (error) {
    setStatus(error.message, true);
  }
});

// Drag and drop of files or whole folders anywhere on the page.
async function entryFiles(entry) {
  if (entry.isFile) return [await new Promise((ok, fail) => entry.file(ok, fail))];
  const reader = entry.createReader();
  const children = [];
  for (let batch; (batch = await new Promise((ok, fail) => reader.readEntries(ok, fail))).length;) children.push(...batch);
  return (await Promise.all(children.map(entryFiles))).flat();
}
document.addEventListener('dragover', (event) => { event.preventDefault(); document.body.classList.add('dragging'); });
document.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
document.addEventListener('drop', async (event) => {
  event.preventDefault();
  document.body.classList.remove('dragging');
  if ($('file-input').disabled) return setStatus('The ECG engine is still loading; drop the files again in a moment.', true);
  const entries = [...event.dataTransfer.items].map((item) => item.webkitGetAsEntry?.()).filter(Boolean);
  const fileList = entries.length ? (await Promise.all(entries.map(entryFiles))).flat() : [...event.dataTransfer.files];
  const files = await readFiles(fileList);
  if (files.length) await screenFiles(files);
});

// Offline use: the service worker caches every asset on the first visit (not available from file://).
// It registers once the engine has loaded, so that its downloads do not delay the first result.
if (canUseServiceWorker) {
  const register = () => navigator.serviceWorker.register(new URL('../sw.js', import.meta.url)).catch((error) => {
    console.warn(`offline cache unavailable: ${error.message}`);
  });
  engine.ready.then(register, register);
}

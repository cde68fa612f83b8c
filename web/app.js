// The page: opens files, a folder or the built-in sample, hands each record to the worker, shows the
// traces on ECG paper and the findings; the live panel (web/live.js) streams a Bluetooth strap.
import { EngineClient, readFiles } from './engine-client.js';
import { initLive } from './live.js';
import { canUseServiceWorker, loadSampleFiles } from './platform.js';
import { drawTraces } from './plot.js';

const $ = (id) => document.getElementById(id);
const results = [];  // one entry per screened record: {name, result?, error?}
let shown = null;

function setStatus(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}

let live = null;
const engine = new EngineClient((state) => {
  if (!state.ready) return setStatus(`The ECG engine could not start: ${state.error}`, true);
  setStatus(`Ready (engine ${state.version}). Open ECG files or screen the built-in sample.`);
  for (const id of ['screen-sample', 'file-input', 'folder-input']) $(id).disabled = false;
  live.ready(state.ble);
});
live = initLive(engine);

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
  const records = [...headers.map((h) => files.filter((f) => stem(f.name) === stem(h.name) && !single.includes(f))), ...single.map((f) => [f])];
  const used = new Set(records.flat());
  return { records, unused: files.filter((f) => !used.has(f)) };
}

async function screenFiles(files) {
  const { records, unused } = groupRecords(files);
  clearFindings();
  let failures = 0;
  for (const [k, recordFiles] of records.entries()) {
    const name = recordFiles.find((f) => /\.hea$/i.test(f.name))?.name ?? recordFiles[0].name;
    setStatus(`Screening ${records.length > 1 ? `record ${k + 1} of ${records.length}: ` : ''}${recordFiles.map((f) => f.name).join(', ')}…`);
    const entry = { name };
    try {
      entry.result = await engine.screen(recordFiles, patient());
      entry.name = entry.result.info.record;
      show(entry);
    } catch (error) {
      entry.error = error.message;
      failures++;
    }
    results.push(entry);
    renderList();
  }
  const last = results.at(-1);
  const skipped = unused.length ? ` Not part of any record (no .hea with the same name, and not a .csv or .edf): ${unused.map((f) => f.name).join(', ')}.` : '';
  if (records.length === 1 && last.error) setStatus(last.error + skipped, true);
  else if (records.length === 1) setStatus(`Screened ${last.name}: ${last.result.info.leads.length} leads, ${last.result.info.duration_s.toFixed(1)} s at ${last.result.info.fs_hz} Hz.${skipped}`, !!skipped);
  else setStatus(`Screened ${records.length - failures} of ${records.length} records${failures ? `; ${failures} could not be read (see the list)` : ''}.${skipped}`, failures > 0 || !!skipped);
}

function renderList() {
  $('record-list').replaceChildren(...results.map((entry) => {
    const item = document.createElement('li');
    if (entry.error) {
      item.className = 'failed';
      item.textContent = `${entry.name}: ${entry.error}`;
    } else {
      const button = Object.assign(document.createElement('button'), { type: 'button', textContent: entry.name });
      button.addEventListener('click', () => show(entry));
      const hr = entry.result.findings.heart_rate_bpm;
      item.append(button, ` — ${hr == null ? 'heart rate not assessable' : `${Math.round(hr)} bpm`}`);
      if (entry === shown) item.className = 'current';
    }
    return item;
  }));
  $('record-list').closest('section').hidden = results.length < 2;
}

function clearFindings() {
  shown = null;
  $('print-report').disabled = true;
  for (const id of ['record-name', 'warnings']) $(id).replaceChildren();
  for (const id of ['heart-rate', 'beat-count', 'leads', 'model-used']) $(id).textContent = '–';
  for (const id of ['class-table', 'rule-evidence']) $(id).replaceChildren();
  $('positive-classes').replaceChildren(el('li', '–'));
  $('inconclusive').hidden = true;
  const canvas = $('ecg-plot');
  canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
}

function show(entry) {
  shown = entry;
  const { findings, info } = entry.result;
  $('record-name').textContent = `— ${findings.record}`;
  $('heart-rate').textContent = findings.heart_rate_bpm == null ? 'not assessable' : `${Math.round(findings.heart_rate_bpm)} bpm`;
  $('beat-count').textContent = String(findings.rpeaks.length);
  $('leads').textContent = findings.leads.join(', ');
  $('warnings').replaceChildren(...findings.warnings.map((w) => Object.assign(document.createElement('li'), { textContent: w })));
  showClasses(findings);
  const who = [findings.age == null ? null : `age ${findings.age}`, findings.sex === 'unknown' ? null : findings.sex].filter(Boolean).join(', ');
  $('report-meta').textContent = `Record ${findings.record}${who ? ` (${who})` : ''}; ${info.leads.length} leads, ` +
    `${info.duration_s.toFixed(1)} s at ${info.fs_hz} Hz; screened ${new Date().toLocaleString()} by ecg-screen on this device.`;
  $('print-report').disabled = false;
  $('start').value = '0';
  $('start').max = String(Math.max(0, info.duration_s - 250 / Number($('speed').value)));
  $('start').disabled = Number($('start').max) === 0;
  redraw();
  renderList();
}

const el = (tag, text, className) => Object.assign(document.createElement(tag), { textContent: text ?? '', className: className ?? '' });
const percent = (p) => (p == null ? '–' : `${(100 * p).toFixed(1)} %`);

// Model and rule findings: the positive classes first, then every class with its numbers and the
// evidence of every rule.
function showClasses(findings) {
  const model = findings.model;
  $('model-used').textContent = model
    ? `${model.name} (${model.lead_set} leads: ${model.leads.join(', ')}; ${model.windows} window${model.windows === 1 ? '' : 's'} of ${(model.input_len / model.fs_hz).toFixed(1)} s)`
    : 'none fits these leads: clinical rules only';
  $('inconclusive').hidden = !findings.inconclusive;
  $('inconclusive').textContent = findings.inconclusive
    ? `Inconclusive: ${findings.inconclusive_reasons.join('; ')}. Do not read the findings below as normal; repeat the recording.` : '';
  const positive = findings.classes.filter((c) => c.decision);
  const sourceText = { rule: 'clinical rule', model: 'model', both: 'model and clinical rule' };
  $('positive-classes').replaceChildren(...(positive.length ? positive.map((c) => {
    const item = el('li', `${c.name} (${c.abbr})`);
    item.append(el('span', ` — ${sourceText[c.source]}${c.probability == null ? '' : `, model probability ${percent(c.probability)}`}`, 'source'));
    return item;
  }) : [el('li', 'No class positive.')]));
  $('class-table').replaceChildren(...findings.classes.map((c) => {
    const row = el('tr', '', c.decision ? 'positive-row' : '');
    for (const text of [`${c.abbr} — ${c.name}`, percent(c.probability), c.threshold == null ? '–' : c.threshold.toFixed(2),
      c.model ?? '–', c.rule?.replace('_', ' ') ?? '–', c.decision ? `positive (${c.source})` : 'negative']) row.append(el('td', text));
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
  const view = { startS: Number($('start').value), mmPerS: Number($('speed').value), mmPerMv: Number($('gain').value) };
  const drawn = drawTraces($('ecg-plot'), info, samples, findings.rpeaks, view);
  $('start-label').textContent = `${drawn.startS.toFixed(1)} s`;
  $('scale').textContent = `${view.mmPerS} mm/s, ${view.mmPerMv} mm/mV; small squares 1 mm; showing ${drawn.startS.toFixed(1)}–${(drawn.startS + drawn.seconds).toFixed(1)} s` +
    (drawn.layout === '3x4+II' ? '; bottom row: lead II rhythm strip.' : '.');
}

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

$('print-report').addEventListener('click', () => window.print());

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

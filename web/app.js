// The page: opens files or the built-in sample, hands them to the worker, shows traces and findings.
import { canUseServiceWorker, createEngineWorker, loadSampleFiles } from './platform.js';
import { drawTraces } from './plot.js';

const $ = (id) => document.getElementById(id);
const statusLine = $('status');

function setStatus(text, isError = false) {
  statusLine.textContent = text;
  statusLine.classList.toggle('error', isError);
}

// One request at a time to the worker; each gets its answer by id.
const worker = createEngineWorker();
const pending = new Map();
let nextId = 1;
worker.addEventListener('message', ({ data }) => {
  if (data.type === 'ready') {
    if (data.error) return setStatus(`The ECG engine could not start: ${data.error}`, true);
    setStatus(`Ready (engine ${data.version}). Open ECG files or screen the built-in sample.`);
    $('screen-sample').disabled = false;
    $('file-input').disabled = false;
    return;
  }
  const request = pending.get(data.id);
  pending.delete(data.id);
  if (request) data.ok ? request.resolve(data) : request.reject(new Error(data.error));
});
worker.addEventListener('error', (event) => setStatus(`The ECG engine stopped: ${event.message}`, true));

let queue = Promise.resolve();
function request(message, transfer = []) {
  const run = () => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    worker.postMessage({ ...message, id }, transfer);
  });
  const result = queue.then(run, run);
  queue = result.catch(() => {});
  return result;
}

function patient() {
  const age = $('age').value === '' ? null : Number($('age').value);
  return { age, sex: $('sex').value };
}

async function screenFiles(files) {
  setStatus(`Screening ${files.map((f) => f.name).join(', ')}…`);
  try {
    const result = await request({ type: 'screen', files, patient: patient() }, files.map((f) => f.bytes.buffer));
    showFindings(result);
    setStatus(`Screened ${result.info.record}: ${result.info.leads.length} leads, ${result.info.duration_s.toFixed(1)} s at ${result.info.fs_hz} Hz.`);
  } catch (error) {
    setStatus(error.message, true);
  }
}

function showFindings({ info, samples, findings }) {
  $('record-name').textContent = `— ${findings.record}`;
  $('heart-rate').textContent = findings.heart_rate_bpm == null ? 'not assessable' : `${Math.round(findings.heart_rate_bpm)} bpm`;
  $('beat-count').textContent = String(findings.rpeaks.length);
  $('leads').textContent = findings.leads.join(', ');
  const warnings = $('warnings');
  warnings.replaceChildren(...findings.warnings.map((w) => Object.assign(document.createElement('li'), { textContent: w })));
  drawTraces($('ecg-plot'), info, samples, findings.rpeaks);
}

async function readFile(file) {
  return { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
}

$('file-input').addEventListener('change', async (event) => {
  const files = await Promise.all([...event.target.files].map(readFile));
  if (files.length) await screenFiles(files);
});

$('screen-sample').addEventListener('click', async () => {
  try {
    await screenFiles(await loadSampleFiles());
  } catch (error) {
    setStatus(error.message, true);
  }
});

// Offline use: the service worker caches every asset on the first visit (not available from file://).
if (canUseServiceWorker) {
  navigator.serviceWorker.register(new URL('../sw.js', import.meta.url)).catch((error) => {
    console.warn(`offline cache unavailable: ${error.message}`);
  });
}

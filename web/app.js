// The page: opens files or the built-in sample, hands them to the worker, shows traces and findings.
import { EngineClient, readFiles } from './engine-client.js';
import { canUseServiceWorker, loadSampleFiles } from './platform.js';
import { drawTraces } from './plot.js';

const $ = (id) => document.getElementById(id);

function setStatus(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}

const engine = new EngineClient((state) => {
  if (!state.ready) return setStatus(`The ECG engine could not start: ${state.error}`, true);
  setStatus(`Ready (engine ${state.version}). Open ECG files or screen the built-in sample.`);
  $('screen-sample').disabled = false;
  $('file-input').disabled = false;
});

function patient() {
  const age = $('age').value === '' ? null : Number($('age').value);
  return { age, sex: $('sex').value };
}

async function screenFiles(files) {
  setStatus(`Screening ${files.map((f) => f.name).join(', ')}…`);
  clearFindings();  // never leave the previous record's result on show
  try {
    const result = await engine.screen(files, patient());
    showFindings(result);
    setStatus(`Screened ${result.info.record}: ${result.info.leads.length} leads, ${result.info.duration_s.toFixed(1)} s at ${result.info.fs_hz} Hz.`);
  } catch (error) {
    setStatus(error.message, true);
  }
}

function clearFindings() {
  for (const id of ['record-name', 'warnings']) $(id).replaceChildren();
  for (const id of ['heart-rate', 'beat-count', 'leads']) $(id).textContent = '–';
  const canvas = $('ecg-plot');
  canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
}

function showFindings({ info, samples, findings }) {
  $('record-name').textContent = `— ${findings.record}`;
  $('heart-rate').textContent = findings.heart_rate_bpm == null ? 'not assessable' : `${Math.round(findings.heart_rate_bpm)} bpm`;
  $('beat-count').textContent = String(findings.rpeaks.length);
  $('leads').textContent = findings.leads.join(', ');
  $('warnings').replaceChildren(...findings.warnings.map((w) => Object.assign(document.createElement('li'), { textContent: w })));
  drawTraces($('ecg-plot'), info, samples, findings.rpeaks);
}

$('file-input').addEventListener('change', async (event) => {
  const files = await readFiles(event.target.files);
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

// The Web Worker that owns the WebAssembly core, so reading, screening and live analysis never block
// the page.
// Requests come through the bridge (web/engine-client.js), which sends the next only once the one
// before is answered, and drops those aborted before they are sent. Requests (answered by id):
//   {id, type: 'screen', files: [{name, bytes}], patient: {age, sex}} -> {info, samples, findings}
//   {id, type: 'control-point', bytes}                -> {answer}   (a PMD control-point answer, parsed)
//   {id, type: 'live-start', options}                 -> {}         (options as EcgScreen.createStream takes them)
//   {id, type: 'live-stop'}                           -> {findings} (the last update; the session stays for saving)
//   {id, type: 'live-save', name, format}             -> {files: [{name, bytes}]}
// Live data, not answered one by one: {type: 'live-data', kind: 'pmd' | 'hr', bytes} ->
//   {type: 'live', samples?, gapSamples?, dropped?, note?, heartRateBpm?, findings?} or {type: 'live', error}
// On start: {type: 'ready', version, ble} | {type: 'ready', error}. Errors: {id, ok: false, error}.
import { engineOptions } from './engine-options.js';
import { loadEcgScreen } from './lib/ecg-screen.js';

// The model with the most leads first; the others after the first screening or 2 s after start,
// whichever comes first (and at once for a record one of them may screen instead: modelsFor).
// engineOptions may be a promise (the single-file build inflates its inline .wasm and models first).
const ready = Promise.resolve(engineOptions).then((options) => loadEcgScreen({ deferModels: true, ...options }));
const loadOthers = () => ready.then((ecg) => ecg.loadDeferredModels()).catch(() => {});  // errors surface in modelsFor
ready.then(
  (ecg) => {
    self.postMessage({ type: 'ready', version: ecg.version, ble: ecg.bleProtocol });
    setTimeout(loadOthers, 2000);
  },
  (error) => self.postMessage({ type: 'ready', error: String(error?.message ?? error) }));

let stream = null;

const handlers = {
  async screen(ecg, data) {
    const record = ecg.readRecord(data.files);
    await ecg.modelsFor(record);
    const findings = ecg.screen(record, data.patient);
    setTimeout(loadOthers, 0);
    return [{ info: record.info, samples: record.samples, findings }, [record.samples.buffer]];
  },
  'control-point'(ecg, data) {
    return [{ answer: ecg.parsePmdControlPoint(data.bytes) }];
  },
  async 'live-start'(ecg, data) {
    await ecg.loadDeferredModels();  // the rhythm model is one of the models loaded after the first
    stream?.delete();
    stream = null;  // not a deleted handle, should createStream throw
    stream = ecg.createStream(data.options);
    return [{}];
  },
  'live-stop'() {
    if (!stream) throw new Error('live: no stream to stop');
    return [{ findings: stream.update() }];
  },
  'live-save'(ecg, data) {
    if (!stream) throw new Error('live: no session to save');
    const files = stream.sessionFiles(data.name, data.format);
    return [{ files }, files.map((f) => f.bytes.buffer)];
  },
};

function liveData({ kind, bytes }) {
  try {
    if (!stream) throw new Error('live: data arrived before the stream was started');
    if (kind === 'pmd') {
      const out = stream.pushPmdFrame(bytes);
      self.postMessage({ type: 'live', ...out }, [out.samples.buffer]);
    } else {
      self.postMessage({ type: 'live', ...stream.pushHeartRateMeasurement(bytes) });
    }
  } catch (error) {
    self.postMessage({ type: 'live', error: String(error?.message ?? error) });
  }
}

self.onmessage = async ({ data }) => {
  const loaded = await ready.then((ecg) => ({ ecg }), (error) => ({ error }));
  if (data.type === 'live-data') return liveData(data);
  const { id, type } = data;
  try {
    if (loaded.error) throw loaded.error;
    const { ecg } = loaded;
    const handler = handlers[type];
    if (!handler) throw new Error(`worker: unknown request '${type}'`);
    const [result, transfer = []] = await handler(ecg, data);
    self.postMessage({ id, ok: true, ...result }, transfer);
  } catch (error) {
    self.postMessage({ id, ok: false, error: String(error?.message ?? error) });
  }
};

// The Web Worker that owns the WebAssembly core, so reading and screening never block the page.
// Messages in:  {id, type: 'screen', files: [{name, bytes}], patient: {age, sex}}
// Messages out: {type: 'ready', version} | {type: 'ready', error}
//               {id, ok: true, info, samples, findings} | {id, ok: false, error}
import { engineOptions } from './engine-options.js';
import { loadEcgScreen } from './lib/ecg-screen.js';

// The model with the most leads first; the others after the first screening or 2 s after start,
// whichever comes first (and at once for a record that lacks a lead of the first model).
const ready = loadEcgScreen({ deferModels: true, ...engineOptions });
const loadOthers = () => ready.then((ecg) => ecg.loadDeferredModels()).catch(() => {});  // errors surface in modelsFor
ready.then(
  (ecg) => {
    self.postMessage({ type: 'ready', version: ecg.version });
    setTimeout(loadOthers, 2000);
  },
  (error) => self.postMessage({ type: 'ready', error: String(error?.message ?? error) }));

self.onmessage = async ({ data }) => {
  const { id, type } = data;
  try {
    const ecg = await ready;
    if (type !== 'screen') throw new Error(`worker: unknown request '${type}'`);
    const record = ecg.readRecord(data.files);
    await ecg.modelsFor(record);
    const findings = ecg.screen(record, data.patient);
    self.postMessage({ id, ok: true, info: record.info, samples: record.samples, findings }, [record.samples.buffer]);
    setTimeout(loadOthers, 0);
  } catch (error) {
    self.postMessage({ id, ok: false, error: String(error?.message ?? error) });
  }
};

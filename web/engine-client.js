// Talks to the engine worker: one request at a time, each answered by id. Used by the page and by
// the <ecg-screen> element.
import { createEngineWorker } from './platform.js';

export class EngineClient {
  /**
   * @param {(state: {ready: boolean, version?: string, ble?: object, error?: string}) => void} onState
   *   ble: the Bluetooth constants and command bytes from the core (EcgScreen.bleProtocol)
   */
  constructor(onState = () => {}) {
    this.worker = createEngineWorker();
    this.pending = new Map();
    this.nextId = 1;
    this.queue = Promise.resolve();
    this.onLive = () => {};
    this.ready = new Promise((resolve, reject) => {
      this.worker.addEventListener('message', ({ data }) => {
        if (data.type === 'ready') {
          onState(data.error ? { ready: false, error: data.error } : { ready: true, version: data.version, ble: data.ble });
          return data.error ? reject(new Error(data.error)) : resolve(data.version);
        }
        if (data.type === 'live') return this.onLive(data);
        const request = this.pending.get(data.id);
        this.pending.delete(data.id);
        if (request) data.ok ? request.resolve(data) : request.reject(new Error(data.error));
      });
      this.worker.addEventListener('error', (event) => {
        const error = `the ECG engine stopped${event.message ? `: ${event.message}` : ''}`;
        onState({ ready: false, error });
        reject(new Error(error));
        for (const request of this.pending.values()) request.reject(new Error(error));
        this.pending.clear();
      });
    });
    this.ready.catch(() => {});
  }

  /**
   * Reads and screens one record in the worker.
   * @param {{name: string, bytes: Uint8Array}[]} files  ownership of the bytes passes to the worker
   * @param {{age?: number|null, sex?: string}} patient
   * @returns {Promise<{info: object, samples: Float32Array, findings: object}>}
   */
  screen(files, patient = {}) {
    const run = () => new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'screen', id, files, patient }, files.map((f) => f.bytes.buffer));
    });
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }

  /**
   * One request to the worker, answered by id (not queued behind screenings: live requests are short).
   * @param {string} type  'control-point', 'live-start', 'live-stop', 'live-save'
   * @param {object} [payload]
   * @returns {Promise<object>}
   */
  request(type, payload = {}) {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...payload, type, id });
    });
  }

  /**
   * Live data for the stream started with request('live-start'); results come to onLive.
   * @param {'pmd' | 'hr'} kind
   * @param {Uint8Array} bytes  ownership passes to the worker
   */
  pushLive(kind, bytes) {
    this.worker.postMessage({ type: 'live-data', kind, bytes }, [bytes.buffer]);
  }

  terminate() { this.worker.terminate(); }
}

/** Reads browser File objects into {name, bytes}. */
export async function readFiles(fileList) {
  return Promise.all([...fileList].map(async (file) => ({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) })));
}

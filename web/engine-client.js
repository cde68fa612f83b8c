// The bridge to the engine worker (web/worker.js), in the manner of squoosh's worker bridge: every
// request waits in one queue and goes to the worker only when the one before it is answered, so the
// worker screens one record at a time and each answer is matched to its request by id. A request can
// carry an AbortSignal: aborted while it waits, it is dropped (never sent); aborted while it runs, it
// is answered at once with an AbortError (the worker finishes that record, its answer is discarded,
// and the next request goes after it). Used by the page and, through sharedEngine(), by every
// <ecg-screen> element of a page: one worker, one WebAssembly instance and one model set per page.
import { createEngineWorker } from './platform.js';

/** The error an aborted request rejects with (a DOMException named 'AbortError', as fetch() uses). */
function abortError(what) {
  return new DOMException(`${what} was cancelled (its AbortSignal aborted)`, 'AbortError');
}

export class EngineClient {
  /**
   * Starts a worker. A page needs one: elements share sharedEngine().
   * @param {(state: {ready: boolean, version?: string, ble?: object, error?: string}) => void} [onState]
   *   called once the engine is ready or could not start, and if it stops later; more listeners:
   *   addStateListener(). ble: the Bluetooth constants and command bytes from the core
   *   (EcgScreen.bleProtocol)
   */
  constructor(onState) {
    this.worker = createEngineWorker();
    this.pending = new Map();  // id -> the request sent to the worker and not answered yet
    this.waiting = [];  // requests not sent yet, in order
    this.running = null;  // the request the worker works on (at most one)
    this.nextId = 1;
    this.state = null;  // the last state sent to the listeners
    this.stopped = null;  // the error once the worker stopped or could not start
    this.listeners = new Set();
    if (onState) this.listeners.add(onState);
    this.onLive = () => {};
    let started;
    this.ready = new Promise((resolve, reject) => { started = { resolve, reject }; });
    this.ready.catch(() => {});
    this.worker.addEventListener('message', ({ data }) => {
      if (data.type === 'ready') {
        if (data.error) return this.#stop(data.error, started);
        this.#setState({ ready: true, version: data.version, ble: data.ble });
        return started.resolve(data.version);
      }
      if (data.type === 'live') return this.onLive(data);
      this.#answer(data);
    });
    this.worker.addEventListener('error', (event) => {
      this.#stop(`the ECG engine stopped${event.message ? `: ${event.message}` : ''}`, started);
    });
  }

  /**
   * Adds a state listener; called at once with the current state if the engine has started (or failed).
   * @param {(state: {ready: boolean, version?: string, ble?: object, error?: string}) => void} listener
   * @returns {() => void} removes the listener
   */
  addStateListener(listener) {
    this.listeners.add(listener);
    if (this.state) listener(this.state);
    return () => this.listeners.delete(listener);
  }

  /**
   * Reads and screens one record in the worker.
   * @param {{name: string, bytes: Uint8Array}[]} files  ownership of the bytes passes to the worker once it is sent
   * @param {{age?: number|null, sex?: string}} [patient]
   * @param {{signal?: AbortSignal}} [options]
   * @returns {Promise<{info: object, samples: Float32Array, findings: object}>}
   */
  screen(files, patient = {}, { signal } = {}) {
    const buffers = [...new Set(files.map((f) => f.bytes.buffer))];
    return this.request('screen', { files, patient }, { signal, transfer: buffers });
  }

  /**
   * One request to the worker, queued behind those before it and answered by id.
   * @param {string} type  'screen', 'control-point', 'live-start', 'live-stop', 'live-save'
   * @param {object} [payload]
   * @param {{signal?: AbortSignal, transfer?: Transferable[]}} [options]
   * @returns {Promise<object>}
   */
  request(type, payload = {}, { signal, transfer = [] } = {}) {
    return new Promise((resolve, reject) => {
      const what = `the ECG engine's '${type}' request`;
      if (this.stopped) return reject(new Error(this.stopped));
      if (signal?.aborted) return reject(abortError(what));
      const job = { message: { ...payload, type }, transfer, resolve, reject, done: false };
      const onAbort = () => {
        const index = this.waiting.indexOf(job);
        if (index >= 0) this.waiting.splice(index, 1);  // never sent
        this.#settle(job, () => reject(abortError(what)));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      job.cleanup = () => signal?.removeEventListener('abort', onAbort);
      this.waiting.push(job);
      this.#next();
    });
  }

  /** Requests not answered yet: the one running (if any) and those waiting. */
  get queued() { return (this.running ? 1 : 0) + this.waiting.length; }

  /**
   * Live data for the stream started with request('live-start'); results come to onLive. Not queued:
   * it goes to the worker at once.
   * @param {'pmd' | 'hr'} kind
   * @param {Uint8Array} bytes  ownership passes to the worker
   */
  pushLive(kind, bytes) {
    this.worker.postMessage({ type: 'live-data', kind, bytes }, [bytes.buffer]);
  }

  /** Stops the worker; requests not answered yet reject. */
  terminate() {
    this.worker.terminate();
    this.#stop('the ECG engine was stopped (terminate())', null, { notify: false });
  }

  #next() {
    if (this.running || this.stopped || !this.waiting.length) return;
    const job = this.waiting.shift();
    this.running = job;
    job.id = this.nextId++;
    this.pending.set(job.id, job);
    this.worker.postMessage({ ...job.message, id: job.id }, job.transfer);
  }

  #answer(data) {
    const job = this.pending.get(data.id);
    if (!job) return;
    this.pending.delete(data.id);
    if (this.running === job) this.running = null;
    this.#settle(job, () => (data.ok ? job.resolve(data) : job.reject(new Error(data.error))));
    this.#next();
  }

  #settle(job, settle) {
    if (job.done) return;
    job.done = true;
    job.cleanup();
    settle();
  }

  #setState(state) {
    this.state = state;
    for (const listener of [...this.listeners]) listener(state);
  }

  #stop(error, started, { notify = true } = {}) {
    if (this.stopped) return;
    this.stopped = error;
    if (notify) this.#setState({ ready: false, error });
    started?.reject(new Error(error));
    for (const job of [...this.pending.values(), ...this.waiting]) this.#settle(job, () => job.reject(new Error(error)));
    this.pending.clear();
    this.waiting = [];
    this.running = null;
  }
}

// The page's one engine for its <ecg-screen> elements. Each connected element holds it; when the last
// one is gone (not merely moved: that reconnects at once) the worker stops and frees its memory.
let sharedEngineClient = null;
let sharedEngineHolders = 0;

/**
 * The page's shared engine, started on first use; release it with releaseSharedEngine().
 * @returns {EngineClient}
 */
export function sharedEngine() {
  sharedEngineHolders++;
  sharedEngineClient ??= new EngineClient();
  return sharedEngineClient;
}

/** Gives back what sharedEngine() returned; the last holder's release stops the worker. */
export function releaseSharedEngine() {
  sharedEngineHolders = Math.max(0, sharedEngineHolders - 1);
  setTimeout(() => {
    if (sharedEngineHolders === 0 && sharedEngineClient) {
      sharedEngineClient.terminate();
      sharedEngineClient = null;
    }
  }, 0);
}

/** Reads browser File objects into {name, bytes}. */
export async function readFiles(fileList) {
  // 32 files at a time: starting hundreds of reads at once keeps the page busy for a long task.
  const files = [...fileList];
  const read = [];
  for (let k = 0; k < files.length; k += 32) {
    read.push(...await Promise.all(files.slice(k, k + 32).map(async (file) => ({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) }))));
  }
  return read;
}

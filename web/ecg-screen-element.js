// <ecg-screen>: the screening UI as a custom element a telehealth portal can drop into its page.
//
//   <script type="module" src="/ecg-screen/web/ecg-screen-element.js"></script>
//   <ecg-screen sample age="56" sex="female"></ecg-screen>
//
// Attributes: `sample` shows a button that screens the built-in sample; `age` and `sex` describe the
// patient. Method: `screenFiles(files, {signal})` screens File objects or {name, bytes} and resolves
// to the findings. Events: `ecg-findings` (detail: findings) and `ecg-error` (detail: {message}).
// Everything runs on the device, in a worker; nothing is uploaded. Every element of a page shares one
// worker, one WebAssembly instance and one model set (sharedEngine() in engine-client.js); their
// requests are queued there and answered one at a time. A new file or sample choice in an element
// cancels that element's previous choice (dropped while it waits; if it is running, its result is not
// shown); removing the element cancels all of its screenings.
// Types: web/ecg-screen-element.d.ts.
import { readFiles, releaseSharedEngine, sharedEngine } from './engine-client.js';
import { loadSampleFiles } from './platform.js';
import { drawTraces } from './plot.js';

const TEMPLATE = `
  <link rel="stylesheet" href="${new URL('./element.css', import.meta.url)}">
  <div class="bar">
    <button part="sample-button" class="sample" type="button" hidden disabled>Screen the built-in sample</button>
    <label>Open ECG files <input class="files" type="file" multiple disabled></label>
  </div>
  <p class="status" role="status" aria-live="polite">Loading the ECG engine…</p>
  <p class="result"><span class="label">Heart rate</span> <span class="heart-rate" part="heart-rate">–</span></p>
  <canvas width="1200" height="900" role="img" aria-label="ECG traces"></canvas>
  <p class="disclaimer">Screening aid only, not a diagnosis: a clinician must review the ECG.</p>`;

// An AbortSignal that aborts when either does (AbortSignal.any where the browser has it).
function eitherSignal(a, b) {
  if (AbortSignal.any) return AbortSignal.any([a, b]);
  const both = new AbortController();
  for (const s of [a, b]) {
    if (s.aborted) both.abort(s.reason);
    else s.addEventListener('abort', () => both.abort(s.reason), { once: true });
  }
  return both.signal;
}

export class EcgScreenElement extends HTMLElement {
  static get observedAttributes() { return ['sample']; }

  constructor() {
    super();
    this.attachShadow({ mode: 'open' }).innerHTML = TEMPLATE;
    this.$ = (selector) => this.shadowRoot.querySelector(selector);
    this.engine = null;
    this.$('.files').addEventListener('change', async (event) => {
      if (event.target.files.length) await this.#screenChosen(event.target.files);
    });
    this.$('.sample').addEventListener('click', async () => {
      await this.#screenChosen(null);
    });
  }

  #lifetime = null;  // aborts every screening of this element when it leaves the page
  #chosen = null;  // aborts the screening the user chose last, when they choose another

  connectedCallback() {
    this.attributeChangedCallback();
    if (this.engine) return;
    this.#lifetime = new AbortController();
    this.engine = sharedEngine();
    this.stopListening = this.engine.addStateListener((state) => {
      if (!state.ready) return this.#fail(`The ECG engine could not start: ${state.error}`);
      this.#status('Ready. Open ECG files (a .hea with its .dat or .mat, a .csv or an .edf).');
      this.$('.sample').disabled = false;
      this.$('.files').disabled = false;
    });
  }

  disconnectedCallback() {
    this.#lifetime?.abort();
    this.stopListening?.();
    if (this.engine) releaseSharedEngine();
    this.engine = null;
    this.$('.sample').disabled = true;
    this.$('.files').disabled = true;
  }

  // A file or sample choice from the element's own controls: replaces the one still waiting.
  async #screenChosen(files) {
    this.#chosen?.abort();
    const chosen = (this.#chosen = new AbortController());
    try {
      await this.screenFiles(files ?? await loadSampleFiles(), { signal: chosen.signal });
    } catch (error) {
      if (!this.isConnected || error.name === 'AbortError') return;
      if (!files) this.#fail(error.message);  // the sample could not be loaded; screenFiles reports its own errors
    }
  }

  attributeChangedCallback() {
    this.$('.sample').hidden = !this.hasAttribute('sample');
  }

  /** Patient details from the `age` and `sex` attributes. */
  get patient() {
    const age = this.getAttribute('age');
    return { age: age === null || age === '' ? null : Number(age), sex: this.getAttribute('sex') ?? 'unknown' };
  }

  /**
   * Screens one record.
   * @param {FileList | File[] | {name: string, bytes: Uint8Array}[]} files
   * @param {{signal?: AbortSignal}} [options]  aborted before the record is screened: dropped from the
   *   queue; while it is screened: rejects at once with an AbortError (the result is not shown)
   * @returns {Promise<object>} the findings (also sent as an `ecg-findings` event)
   */
  async screenFiles(files, { signal } = {}) {
    if (!this.engine) throw new Error('<ecg-screen> is not in a page: add it to the document before screenFiles()');
    const engine = this.engine;
    const cancel = signal ? eitherSignal(this.#lifetime.signal, signal) : this.#lifetime.signal;
    const list = [...files];
    // File objects are read here; {name, bytes} pass as they are (File has a bytes() method, so test for Blob).
    const named = await Promise.all(list.map(async (f) => (f instanceof Blob ? (await readFiles([f]))[0] : f)));
    this.#status(`Screening ${named.map((f) => f.name).join(', ')}…`);
    this.$('.heart-rate').textContent = '–';  // never leave the previous record's result on show
    this.$('canvas').getContext('2d').clearRect(0, 0, this.$('canvas').width, this.$('canvas').height);
    try {
      const { info, samples, findings } = await engine.screen(named, this.patient, { signal: cancel });
      this.$('.heart-rate').textContent = findings.heart_rate_bpm == null ? 'not assessable' : `${Math.round(findings.heart_rate_bpm)} bpm`;
      drawTraces(this.$('canvas'), info, samples, findings.rpeaks);
      this.#status(`Screened ${findings.record}.`);
      this.dispatchEvent(new CustomEvent('ecg-findings', { detail: findings, bubbles: true, composed: true }));
      return findings;
    } catch (error) {
      if (error.name === 'AbortError') this.#status(`Cancelled: ${named.map((f) => f.name).join(', ')}.`);
      else this.#fail(error.message);
      throw error;
    }
  }

  #status(text) {
    this.$('.status').textContent = text;
    this.$('.status').classList.remove('error');
  }

  #fail(message) {
    this.$('.status').textContent = message;
    this.$('.status').classList.add('error');
    this.dispatchEvent(new CustomEvent('ecg-error', { detail: { message }, bubbles: true, composed: true }));
  }
}

if (!customElements.get('ecg-screen')) customElements.define('ecg-screen', EcgScreenElement);

// <ecg-screen>: the screening UI as a custom element a telehealth portal can drop into its page.
//
//   <script type="module" src="/ecg-screen/web/ecg-screen-element.js"></script>
//   <ecg-screen sample age="56" sex="female"></ecg-screen>
//
// Attributes: `sample` shows a button that screens the built-in sample; `age` and `sex` describe the
// patient. Method: `screenFiles(files)` screens File objects or {name, bytes} and resolves to the
// findings. Events: `ecg-findings` (detail: findings) and `ecg-error` (detail: {message}).
// Everything runs on the device, in a worker; nothing is uploaded.
import { EngineClient, readFiles } from './engine-client.js';
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

export class EcgScreenElement extends HTMLElement {
  static get observedAttributes() { return ['sample']; }

  constructor() {
    super();
    this.attachShadow({ mode: 'open' }).innerHTML = TEMPLATE;
    this.$ = (selector) => this.shadowRoot.querySelector(selector);
    this.engine = null;
  }

  connectedCallback() {
    this.attributeChangedCallback();
    if (this.engine) return;
    this.engine = new EngineClient((state) => {
      if (!state.ready) return this.#fail(`The ECG engine could not start: ${state.error}`);
      this.#status('Ready. Open ECG files (a .hea with its .dat or .mat, a .csv or an .edf).');
      this.$('.sample').disabled = false;
      this.$('.files').disabled = false;
    });
    this.$('.files').addEventListener('change', async (event) => {
      if (event.target.files.length) await this.screenFiles(event.target.files).catch(() => {});
    });
    this.$('.sample').addEventListener('click', async () => {
      await this.screenFiles(await loadSampleFiles()).catch(() => {});
    });
  }

  disconnectedCallback() {
    this.engine?.terminate();
    this.engine = null;
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
   * @returns {Promise<object>} the findings (also sent as an `ecg-findings` event)
   */
  async screenFiles(files) {
    const list = [...files];
    // File objects are read here; {name, bytes} pass as they are (File has a bytes() method, so test for Blob).
    const named = await Promise.all(list.map(async (f) => (f instanceof Blob ? (await readFiles([f]))[0] : f)));
    this.#status(`Screening ${named.map((f) => f.name).join(', ')}…`);
    this.$('.heart-rate').textContent = '–';  // never leave the previous record's result on show
    this.$('canvas').getContext('2d').clearRect(0, 0, this.$('canvas').width, this.$('canvas').height);
    try {
      const { info, samples, findings } = await this.engine.screen(named, this.patient);
      this.$('.heart-rate').textContent = findings.heart_rate_bpm == null ? 'not assessable' : `${Math.round(findings.heart_rate_bpm)} bpm`;
      drawTraces(this.$('canvas'), info, samples, findings.rpeaks);
      this.#status(`Screened ${findings.record}.`);
      this.dispatchEvent(new CustomEvent('ecg-findings', { detail: findings, bubbles: true, composed: true }));
      return findings;
    } catch (error) {
      this.#fail(error.message);
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

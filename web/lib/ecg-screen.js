// The one JS API of ecg-screen: load the WebAssembly core, read records from files, screen them.
// Used by the page (inside a Worker), by Node programs and by the tests. Works in browsers and Node.
import createEcgModule from '../gen/ecg-core.mjs';

const isNode = typeof process === 'object' && !!process.versions?.node;

/**
 * @typedef {{ name: string, bytes: Uint8Array | ArrayBuffer }} NamedBytes
 */

/**
 * @typedef {object} LiveStreamOptions
 * @property {'ecg' | 'rr'} [source]  'ecg': samples or PMD frames (default); 'rr': Heart Rate service RR intervals
 * @property {number} [fsHz]  ECG sampling rate (default 130, the Polar H10's)
 * @property {string} [lead]  the lead's name (default 'ECG')
 * @property {number} [updateEveryS]  findings every this many seconds of stream time (default 5)
 * @property {number} [keepS]  seconds of samples kept for analysis (default 60)
 * @property {number} [hrWindowS]  heart rate: median RR over this many seconds (default 10)
 * @property {number} [rhythmWindowS]  RR irregularity over this many seconds (default 30)
 * @property {number} [recordS]  seconds of session kept for saving (default 4 h; 0: none)
 * @property {number} [startUnixMs]  wall-clock time of the first sample for saved files (PMD frames carry their own)
 */

/**
 * @typedef {object} BleProtocol
 * @property {{ service: string, controlPoint: string, data: string, ecgFsHz: number, getSettings: Uint8Array,
 *   startEcg: Uint8Array, stop: Uint8Array }} pmd
 * @property {{ service: string, measurement: string }} heartRate
 */

/**
 * @typedef {object} ReadOptions
 * @property {number} [fsHz]  sampling rate of a CSV file without a time column
 * @property {'mV' | 'uV' | 'µV'} [units]  units of a CSV file whose header does not state them
 * @property {boolean} [deriveLimbLeads]  add III, aVR, aVL, aVF computed from I and II when missing
 */

/** An ECG record: metadata as the core reports it plus lead-major samples in millivolts. */
export class EcgRecord {
  /**
   * @param {object} info  the core's record summary (record, format, fs_hz, leads, n_samples, ...)
   * @param {Float32Array} samples  lead-major samples, info.leads.length * info.n_samples values
   */
  constructor(info, samples) {
    this.info = info;
    this.samples = samples;
  }
  get name() { return this.info.record; }
  get fsHz() { return this.info.fs_hz; }
  get leads() { return this.info.leads; }
  get nSamples() { return this.info.n_samples; }
  get durationS() { return this.info.duration_s; }
  get warnings() { return this.info.warnings; }
  /** Diagnosis labels as the file states them (SNOMED CT codes, CPSC abbreviations, LUDB text). */
  get labels() { return this.info.labels; }
  get age() { return this.info.age; }
  get sex() { return this.info.sex; }
  /** Leads computed from others (readRecord's deriveLimbLeads), not recorded. */
  get derivedLeads() { return this.info.derived_leads ?? []; }
  /**
   * Samples of one lead (a view, not a copy).
   * @param {string | number} lead  canonical lead name ("II", "aVF", "V1", ...) or index
   * @returns {Float32Array}
   */
  lead(lead) {
    const index = typeof lead === 'number' ? lead : this.info.leads.indexOf(lead);
    if (index < 0 || index >= this.info.leads.length) {
      throw new Error(`record ${this.name}: no lead ${JSON.stringify(lead)}; it has ${this.info.leads.join(', ')}`);
    }
    return this.samples.subarray(index * this.nSamples, (index + 1) * this.nSamples);
  }
}

async function defaultWasmBinary() {
  const url = new URL('../gen/ecg-core.wasm', import.meta.url);
  if (isNode) {
    const { readFile } = await import('node:fs/promises');
    return readFile(url);
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load the ECG engine from ${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Loads the WebAssembly core.
 * @param {{ wasmBinary?: Uint8Array | ArrayBuffer, models?: NamedBytes[], deferModels?: boolean }} [options]
 *   wasmBinary: the .wasm bytes (e.g. from a single-file build); by default web/gen/ecg-core.wasm
 *   next to this package is loaded. models: the screening model files; by default every shipped
 *   models/*.safetensors; [] screens with the clinical rules only. deferModels (shipped models
 *   only): resolve once the shipped model with the most leads is loaded; the others load when
 *   `ecg.loadDeferredModels()` is called (e.g. once the page is idle) or when `await
 *   ecg.modelsFor(record)`, called before screen(), finds that the record lacks a lead of the first
 *   model (a page's first result comes sooner; the results are the same).
 * @returns {Promise<EcgScreen>}
 * @example
 *   import { loadEcgScreen } from 'ecg-screen';
 *   const ecg = await loadEcgScreen();
 *   const record = ecg.readRecord([{ name: 'a.hea', bytes: hea }, { name: 'a.dat', bytes: dat }]);
 *   const findings = ecg.screen(record, { age: 56, sex: 'female' });
 *   console.log(findings.heart_rate_bpm);
 */
export async function loadEcgScreen(options = {}) {
  checkOptions('loadEcgScreen options', options, {
    wasmBinary: ['a Uint8Array or ArrayBuffer (the .wasm bytes)', isBytes],
    models: ['an array of {name, bytes} model files', (v) => Array.isArray(v)],
    deferModels: ['true or false (load the shipped models after the first on demand)', isBoolean],
  });
  options ??= {};
  // Passing wasmBinary also avoids Emscripten 3.1.6 fetch()ing a file path under Node 18+.
  const wasmBinaryPromise = options.wasmBinary ?? defaultWasmBinary();
  const shipped = options.models ? null : await shippedModels();
  const first = shipped?.[0] ? readModelFile(shipped[0].file) : null;  // fetched while the wasm compiles
  const module = await createEcgModule({ wasmBinary: await wasmBinaryPromise });
  const ecg = new EcgScreen(module);
  if (options.models) {
    for (const model of options.models) ecg.addModel(model);
    return ecg;
  }
  if (first) ecg.addModel({ name: shipped[0].file, bytes: await first });
  const rest = shipped.slice(1);
  const loadRest = async () => {
    for (const model of await Promise.all(rest.map(async ({ file }) => ({ name: file, bytes: await readModelFile(file) })))) ecg.addModel(model);
  };
  if (options.deferModels && rest.length) {
    let loading = null;
    const retryable = () => loadRest().catch((error) => { loading = null; throw error; });  // e.g. offline for a moment
    ecg.deferred = { pendingLeads: rest.map((m) => m.leads), load: () => (loading ??= retryable()) };
  } else {
    await loadRest();
  }
  return ecg;
}

// The shipped models as web/gen/models.json lists them (written by tools/gen-sw-manifest.mjs at build
// time): [{file, leads}], the model with the most leads first.
// An error while screening a record names the record first ("strap-42: FIR design: …"), as the
// readers' errors name their file, so that one bad record in an archive can be found.
function named(record, run) {
  try {
    return run();
  } catch (error) {
    const name = record?.info?.record;
    const namesIt = error instanceof Error && (error.message.startsWith(`${name}: `) || error.message.startsWith(`record '${name}'`));
    if (name && error instanceof Error && !namesIt) error.message = `${name}: ${error.message}`;
    throw error;
  }
}

async function shippedModels() {
  return JSON.parse(new TextDecoder().decode(await readPackageFile(new URL('../gen/models.json', import.meta.url))));
}

const readModelFile = (file) => readPackageFile(new URL(`../../models/${file}`, import.meta.url));

async function readPackageFile(url) {
  if (isNode) return (await import('node:fs/promises')).readFile(url);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load ${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** A loaded core. Create it with loadEcgScreen(). */
export class EcgScreen {
  constructor(module) {
    /** Set by loadEcgScreen({deferModels}): the leads of the models not loaded yet, and load() for them. */
    this.deferred = null;
    /** The model files added (addModel), for live streams' rhythm model. */
    this.modelFiles = [];
    this.module = module;
    this.screener = new module.Screener();
  }

  /** Version of the core. */
  get version() { return this.module.version(); }

  /**
   * With loadEcgScreen({deferModels: true}): waits until the models that may screen `record` are
   * loaded (at once when none of the models not loaded yet could be chosen instead of the one loaded:
   * the core's rule, ecg::screen::choice_may_change). Without: resolves at once.
   * @param {EcgRecord} record
   */
  async modelsFor(record) {
    requireRecord(record, 'modelsFor');
    if (!this.deferred || !this.screener.choiceMayChange(record.leads, this.deferred.pendingLeads)) return;
    await this.deferred.load();
  }

  /**
   * The model screen() runs for `record` among the models loaded, without screening it (the core's
   * rule: the screening model, or lead set, reading the most of the record's leads; for a one-lead
   * record no screening model fits, the first rhythm model); null when none fits (rules only).
   * @param {EcgRecord} record
   * @returns {{ model: string, task: 'screen' | 'rhythm', leadSet: string, leads: string[] } | null}
   *   leadSet: as findings.model.lead_set (the lead set's name, or the number of leads read)
   * @example
   *   ecg.chosenModel(record);  // { model: 'mobilenet1d-2', task: 'screen', leadSet: '2', leads: ['I', 'II'] }
   */
  chosenModel(record) {
    requireRecord(record, 'chosenModel');
    const choice = this.screener.modelChoice(record.leads);
    if (!choice) return null;
    const { model, task, leadSet, leads } = choice;
    return { model, task, leadSet, leads };
  }

  /** With loadEcgScreen({deferModels: true}): loads the other shipped models now (once). */
  async loadDeferredModels() {
    await this.deferred?.load();
  }

  /**
   * Reads one record from its files: a WFDB header with its signal files (.dat or .mat), a .csv or
   * an .edf. Annotation files given alongside are ignored (read them with readAnnotations).
   * @param {NamedBytes[]} files
   * @param {ReadOptions} [options]
   * @returns {EcgRecord}
   * @throws {Error} with a message naming the file, the field, what was expected and what was found
   * @example
   *   const record = ecg.readRecord([{ name: '100.hea', bytes: hea }, { name: '100.dat', bytes: dat }]);
   *   record.leads;          // ['II', 'V5'] (MLII is lead II)
   *   record.lead('II');     // Float32Array of millivolts
   * @example
   *   // A CSV export with a header row but no units or time column:
   *   const record = ecg.readRecord([{ name: 'ecg.csv', bytes }], { fsHz: 500, units: 'uV', deriveLimbLeads: true });
   *   record.derivedLeads;   // e.g. ['III', 'aVR', 'aVL', 'aVF'] when the file has only I and II
   */
  readRecord(files, options = {}) {
    if (!Array.isArray(files) || files.length === 0) {
      throw new Error('readRecord: expected an array of {name, bytes} files, found ' + (Array.isArray(files) ? 'an empty array' : typeof files));
    }
    const set = new this.module.FileSet();
    try {
      for (const file of files) set.add(String(file.name), toBytes(file.bytes, file.name));
      const { info, samples } = this.module.readRecord(set, optionsJson('readRecord options', options));
      return new EcgRecord(JSON.parse(info), samples);
    } finally {
      set.delete();
    }
  }

  /**
   * Reads a WFDB annotation file (MIT format): MIT-BIH `.atr` beat labels and rhythm notes, LUDB's
   * per-lead delineation files (`.i` ... `.v6`), CPSC 2021 AF episodes.
   * @param {NamedBytes} file
   * @returns {{ file: string, extension: string, annotations: Annotation[] }}
   * @throws {Error} naming the file and the byte offset of the damage
   * @example
   *   const { annotations } = ecg.readAnnotations({ name: '100.atr', bytes });
   *   const beats = annotations.filter((a) => 'NLRBAaJSVrFejnE/fQ?'.includes(a.symbol)).map((a) => a.sample);
   *   const rhythm = annotations.filter((a) => a.aux.startsWith('('));  // e.g. '(AFIB' onsets
   */
  readAnnotations(file) {
    return JSON.parse(this.module.readAnnotations(String(file.name), toBytes(file.bytes, file.name)));
  }

  /**
   * Signal files a WFDB header refers to (for callers that load companions by name).
   * @param {NamedBytes} header
   * @returns {string[]}
   */
  wfdbCompanions(header) {
    return fromStringVector(this.module.wfdbCompanions(String(header.name), toBytes(header.bytes, header.name)));
  }

  /**
   * The same signal files with the most bytes each may hold for what the header declares (signals x
   * samples in the format, plus offset and a small slack), to refuse a larger file before reading it.
   * @param {NamedBytes} header
   * @returns {{name: string, max_bytes: number}[]}
   */
  wfdbCompanionLimits(header) {
    return JSON.parse(this.module.wfdbCompanionLimits(String(header.name), toBytes(header.bytes, header.name)));
  }

  /**
   * Loads a model file (safetensors, schema ecg-screen-model/2 or /1), validated field by field.
   * @param {Uint8Array | ArrayBuffer} bytes
   * @param {{ backend?: 'simd' | 'reference' }} [options]
   * @returns {NnModel}
   * @throws {Error} naming the bad field with "got … expected …"
   */
  loadModel(bytes, options = {}) {
    checkOptions('loadModel options', options, { backend: ['"simd" or "reference"', isString] });
    const { backend = 'simd' } = options ?? {};
    return new NnModel(new this.module.NnSession(toBytes(bytes, 'model'), backend));
  }

  /**
   * What a model file is, from its header alone (no tensor decoded, no inference session built): the
   * fields of NnModel.info the file's document states (name, architecture, leads, fs_hz, input_len,
   * demographics, classes, task, decision_rule, thresholds, lead_sets, schema, tensor_sha256), without
   * those its graph gives (inputs, outputs, parameters, flops_per_window, dtypes). The bytes may be the
   * file's first 8 + N bytes only (N: the header length in its first 8 bytes, little-endian).
   * @param {Uint8Array | ArrayBuffer} bytes
   * @returns {ModelFileInfo}
   * @throws {Error} naming the bad field with "got … expected …", as loadModel does
   * @example
   *   ecg.readModelInfo(bytes).task;  // 'screen', 'rhythm' or 'qrs'
   */
  readModelInfo(bytes) {
    return JSON.parse(this.module.readModelInfo(toBytes(bytes, 'model')));
  }

  /** Names of the screening models loaded (see loadEcgScreen's `models`). */
  get models() {
    return fromStringVector(this.screener.modelNames());
  }

  /**
   * Adds a screening model (a models/*.safetensors file); screen() picks, per record, the model that
   * uses the most leads the record has.
   * @param {NamedBytes} model
   * @throws {Error} naming the file and the bad field with "got … expected …"
   */
  addModel(model) {
    try {
      this.screener.addModel(toBytes(model.bytes, model.name));
    } catch (error) {
      throw new Error(`${model.name}: ${error.message}`);
    }
    this.modelFiles.push(model);
  }

  /**
   * Screens a record: the model for its leads (over windows covering the whole record) and the
   * clinical rules, merged per class; heart rate, rule evidence, signal quality, timings.
   * @param {EcgRecord} record
   * @param {{ age?: number | null, sex?: 'female' | 'male' | 'unknown' | null }} [patient]
   * @returns {object} Findings, exactly the JSON the core and the native CLI produce
   * @example
   *   const findings = ecg.screen(record, { age: 56, sex: 'female' });
   *   findings.classes.filter((c) => c.decision).map((c) => `${c.abbr} (${c.source})`);
   *   findings.model?.name;      // e.g. 'mobilenet1d-12'; null when no model fits the leads (rules only)
   *   findings.rhythm?.decided;  // a one-lead record: the rhythm model's class ('NSR', 'AF', 'OTHER', 'NOISY')
   *   findings.inconclusive;     // true when the signal cannot support a result
   */
  screen(record, patient = {}) {
    return JSON.parse(named(record, () => this.screener.screen(...this.#screenArgs(record, patient))));
  }

  /**
   * Why none of the models added can screen `record` (its leads fit no screening model, and a
   * rhythm model reads one-lead records only), naming what each model needs; null when one can
   * (or no model was added).
   * @param {EcgRecord} record
   * @returns {string | null}
   */
  whyNoModel(record) {
    requireRecord(record, 'whyNoModel');
    return this.screener.whyNoModel(JSON.stringify(record.info), record.samples) || null;
  }

  /** The CSV header line matching screenCsv() rows. */
  get csvHeader() { return this.module.csvHeader(); }

  /**
   * Screens a record and returns one CSV row (columns: csvHeader).
   * @param {EcgRecord} record
   * @param {{ age?: number | null, sex?: string | null }} [patient]
   * @returns {string}
   */
  screenCsv(record, patient = {}) {
    return named(record, () => this.screener.screenCsv(...this.#screenArgs(record, patient)));
  }

  /**
   * One record's part of an evaluation against its labels: screened on a lead set, or skipped (no
   * labels, or a lead of the set missing). Feed the cases, in order, to an Evaluation.
   * @param {EcgRecord} record
   * @param {{ leadSet?: '12' | '6' | '4' | '3' | '2' }} [options]  default: every lead of the record
   * @returns {EvalCase} {record, labels, outputs (positive SNOMED codes), model, inconclusive, skipped}
   */
  evalCase(record, options = {}) {
    requireRecord(record, 'evalCase');
    checkOptions('evalCase options', options, { leadSet: [LEAD_SET, isString] });
    return JSON.parse(named(record, () => this.screener.evalCase(JSON.stringify(record.info), record.samples, options?.leadSet ?? '')));
  }

  /**
   * Scores screening decisions against labels with the official CinC 2021 challenge metric.
   * @returns {Evaluation}
   * @example
   *   const evaluation = ecg.evaluation();
   *   for (const record of records) evaluation.add(ecg.evalCase(record, { leadSet: '2' }));
   *   const { challenge_metric, macro_f1, classes } = evaluation.result();
   *   evaluation.delete();
   */
  evaluation() {
    return new Evaluation(new this.module.Evaluation());
  }

  /**
   * The result `ecg-screen eval` prints, built from the records of a folder listing in listing
   * order (the same JSON natively and in Node). With a shard, the result also carries what
   * mergeEvalResults needs: "shard" {k, n, records_in_shard, records_in_folder, models} and "cases".
   * @param {{ leadSet?: string, shard?: { k: number, n: number } | null, recordsInFolder: number }} options
   * @returns {EvalReport}
   * @example
   *   const report = ecg.evalReport({ leadSet: '2', shard: { k: 1, n: 3 }, recordsInFolder: paths.length });
   *   paths.forEach((path, index) => { if (ecg.inShard(path, { k: 1, n: 3 })) report.add(index, path, ecg.evalCase(records[index])); });
   *   const result = report.result({ threads: 1, elapsedS: 2.5 });
   *   report.delete();
   */
  evalReport(options = {}) {
    checkOptions('evalReport options', options, {
      leadSet: [LEAD_SET, isString],
      shard: ['{k, n} with 1 <= k <= n, or null', (v) => v === null || isShard(v)],
      recordsInFolder: ['a whole number of 0 or more (the records listed)', isCount],
    });
    const { leadSet = '', shard = null, recordsInFolder } = options ?? {};
    if (recordsInFolder === undefined) throw new Error('recordsInFolder: expected a whole number of 0 or more (the records listed), found undefined');
    return new EvalReport(new this.module.EvalReport(this.screener, String(leadSet ?? ''), shard?.k ?? 0, shard?.n ?? 0, recordsInFolder));
  }

  /**
   * Whether the record at `path` is in shard k of n (1 <= k <= n): chosen by its record name (the
   * file name without folder and extension), FNV-1a 64 modulo n, plus 1; the same natively, on
   * every host, whatever the order of the files.
   * @param {string} path
   * @param {{ k: number, n: number }} shard
   * @returns {boolean}
   */
  inShard(path, shard) {
    checkOptions('shard', shard, { k: ['a whole number from 1 to n', isCount], n: ['a whole number of 1 or more', isCount] });
    return this.module.inShard(String(path), shard?.k ?? 0, shard?.n ?? 0);
  }

  /**
   * Merges the results of `eval --shard K/N` for K = 1..N (the JSON files, any order) into exactly
   * the result of one unsharded eval over the folder.
   * @param {NamedBytes[]} files
   * @returns {EvaluationResult}
   * @throws {Error} naming the file and what was expected and found (another N, lead set or model
   *   set, a missing or repeated shard, a record in two shards, a file that is not such a result)
   */
  mergeEvalResults(files) {
    const set = new this.module.FileSet();
    try {
      for (const file of files) set.add(String(file.name), toBytes(file.bytes, file.name));
      return JSON.parse(this.module.mergeEvalResults(set));
    } finally {
      set.delete();
    }
  }

  #screenArgs(record, patient) {
    if (!(record instanceof EcgRecord)) throw new Error('screen: expected a record from readRecord(), found ' + typeof record);
    return [JSON.stringify(record.info), record.samples, optionsJson('patient', patient)];
  }

  /**
   * R-peaks fused across leads, or on one lead.
   * @param {EcgRecord} record
   * @param {{ lead?: string }} [options]
   * @returns {{ fs_hz: number, lead: string, rpeaks: number[], heart_rate_bpm: number | null }}
   * @example const { rpeaks, heart_rate_bpm } = ecg.detectRpeaks(record, { lead: 'II' });
   */
  detectRpeaks(record, options = {}) {
    requireRecord(record, 'detectRpeaks');
    checkOptions('detectRpeaks options', options, { lead: [LEAD, isString] });
    return JSON.parse(this.module.detectRpeaks(JSON.stringify(record.info), record.samples, options?.lead ?? ''));
  }

  /**
   * P, QRS and T boundaries per beat (sample indices, null where a wave was not found).
   * @param {EcgRecord} record
   * @param {{ lead?: string }} [options]  one lead, or all usable leads fused when omitted
   */
  delineate(record, options = {}) {
    requireRecord(record, 'delineate');
    checkOptions('delineate options', options, { lead: [LEAD, isString] });
    return JSON.parse(this.module.delineate(JSON.stringify(record.info), record.samples, options?.lead ?? ''));
  }

  /**
   * Signal quality per lead (and per 2.5-s window): usable or not, the reasons in words, the share
   * of usable windows, and record-level reasons (implausible amplitude or sampling rate). The same
   * gate screen() applies before everything else (docs/quality.md).
   * @param {EcgRecord} record
   * @param {{ windows?: boolean }} [options]  windows: include every window's measurements (default false)
   * @returns {QualityReport}
   * @example
   *   const q = ecg.quality(record);
   *   q.lead_quality.filter((l) => !l.usable).map((l) => `${l.lead}: ${l.reasons.join('; ')}`);
   */
  quality(record, options = {}) {
    requireRecord(record, 'quality');
    checkOptions('quality options', options, { windows: ['true or false (include every window\'s measurements)', isBoolean] });
    return JSON.parse(this.module.assessQuality(JSON.stringify(record.info), record.samples, Boolean(options?.windows)));
  }

  /**
   * Clinical rules (Brady, SB, STach, LAD, RAD, LQRSV, PR, IAVB, LQT, QRS120, IrregularRR), each with
   * decision ('positive' | 'negative' | 'not_assessable'), criterion and evidence.
   * @param {EcgRecord} record
   * @param {{ age?: number | null, sex?: 'female' | 'male' | 'unknown' | null }} [patient]
   */
  evaluateRules(record, patient = {}) {
    requireRecord(record, 'evaluateRules');
    return JSON.parse(this.module.evaluateRules(JSON.stringify(record.info), record.samples, optionsJson('patient', patient)));
  }

  /**
   * Anti-aliased polyphase resampling of one lead.
   * @param {Float32Array} samples
   * @param {number} fsIn
   * @param {number} fsOut
   * @param {{ quality?: 'scipy' | 'high' }} [options]  'scipy' (default) = what the models were trained with
   * @returns {Float32Array}
   */
  resample(samples, fsIn, fsOut, options = {}) {
    checkOptions('resample options', options, { quality: ['"scipy" or "high"', (v) => v === 'scipy' || v === 'high'] });
    return this.module.resample(samples, fsIn, fsOut, options?.quality === 'high');
  }

  /**
   * Zero-phase FIR band-pass of one lead (Kaiser design: passband ripple <= 0.1 dB, stopband >= 60 dB).
   * @param {Float32Array} samples
   * @param {number} fsHz
   * @param {{ loHz?: number, hiHz?: number }} [options]  default 0.5-45 Hz
   * @returns {Float32Array}
   */
  bandpass(samples, fsHz, options = {}) {
    checkOptions('bandpass options', options, { loHz: ['a number (Hz)', isNumber], hiHz: ['a number (Hz)', isNumber] });
    return this.module.bandpass(samples, fsHz, options?.loHz ?? 0.5, options?.hiHz ?? 45);
  }

  /**
   * What Web Bluetooth code needs to talk to ECG devices, from the core: the Polar PMD service's UUIDs
   * and command bytes, and the standard Heart Rate service's UUIDs.
   * @returns {BleProtocol}
   * @example
   *   const { pmd } = ecg.bleProtocol;
   *   await controlPoint.writeValueWithResponse(pmd.getSettings);   // 01 00
   *   await controlPoint.writeValueWithResponse(pmd.startEcg);      // 02 00 00 01 82 00 01 01 0E 00
   */
  get bleProtocol() {
    const { pmd, heart_rate: hr } = JSON.parse(this.module.bleProtocol());
    return {
      pmd: {
        service: pmd.service, controlPoint: pmd.control_point, data: pmd.data, ecgFsHz: pmd.ecg_fs_hz,
        getSettings: Uint8Array.from(pmd.get_settings), startEcg: Uint8Array.from(pmd.start_ecg), stop: Uint8Array.from(pmd.stop),
      },
      heartRate: { service: hr.service, measurement: hr.measurement },
    };
  }

  /**
   * Parses a PMD control-point answer (an indication after a command).
   * @param {Uint8Array | ArrayBuffer | DataView} bytes
   * @returns {object} { opcode, opcode_name, measurement, measurement_name, status, status_name, ok, more, settings }
   * @throws {Error} when the bytes are not a control-point answer (expected vs found)
   * @example
   *   const answer = ecg.parsePmdControlPoint(bytes);
   *   if (!answer.ok) throw new Error(`the device refused ${answer.opcode_name}: ${answer.status_name}`);
   *   answer.settings?.sample_rates_hz;   // [130] on a Polar H10
   */
  parsePmdControlPoint(bytes) {
    return JSON.parse(this.module.parsePmdControlPoint(toBytes(bytes, 'control point answer')));
  }

  /**
   * Starts live screening of a stream: ECG samples or Polar PMD frames (source 'ecg'), or Heart Rate
   * Measurement values with RR intervals (source 'rr'). Memory is bounded however long it runs (the
   * session kept for saving grows up to recordS). An ECG stream runs the rhythm model (options
   * .rhythmModel, by default the shipped rhythm-1 when loaded) on the last rhythm window at every
   * update: findings.model. Call delete() when done.
   * @param {LiveStreamOptions} [options]
   * @returns {LiveStream}
   * @example
   *   const stream = ecg.createStream({ source: 'ecg', fsHz: 130, lead: 'ECG' });
   *   characteristic.addEventListener('characteristicvaluechanged', (event) => {
   *     const { samples, gapSamples, findings } = stream.pushPmdFrame(event.target.value);
   *     if (findings) console.log(findings.heart_rate_bpm, findings.af_suspected, findings.quality);
   *   });
   */
  createStream(options = {}) {
    // The core checks every option (ecg/options.h) but rhythmModel, a model file handled here.
    const { rhythmModel, ...rest } = options !== null && typeof options === 'object' && !Array.isArray(options) ? options : {};
    const json = optionsJson('live stream options', rhythmModel === undefined ? options : rest);
    checkOptions('live stream options', { rhythmModel }, { rhythmModel: ['a model file {name, bytes} or null', (v) => v === null || isNamedBytes(v)] });
    const source = rest.source ?? 'ecg';
    const stream = new LiveStream(new this.module.LiveStream(json));
    // The rhythm model: the one given, else (ECG streams) the first rhythm model added.
    const model = rhythmModel !== undefined ? rhythmModel : source === 'ecg' ? this.#rhythmModelFile() : null;
    if (model) {
      try {
        stream.handle.setRhythmModel(toBytes(model.bytes, model.name));
      } catch (error) {
        stream.delete();
        throw new Error(`${model.name}: ${error.message}`);
      }
    }
    return stream;
  }

  // The first rhythm model added (the core's Screener knows each model's task), or null.
  #rhythmModelFile() {
    return this.modelFiles[this.screener.rhythmModel()] ?? null;
  }
}

/**
 * A live stream being screened (EcgScreen.createStream). Findings come every updateEveryS seconds of
 * stream time (5 s by default) from the push that completes the interval, or on demand from update().
 */
export class LiveStream {
  constructor(handle) {
    this.handle = handle;
  }

  /**
   * ECG samples in mV (source 'ecg').
   * @param {Float32Array | number[]} samplesMv
   * @param {{ gapSamples?: number }} [options]  samples lost right before these
   * @returns {LiveFindings | null}  findings when an update fell due
   */
  push(samplesMv, options = {}) {
    checkOptions('push options', options, { gapSamples: ['a whole number of 0 or more (samples lost right before these)', isCount] });
    const { gapSamples = 0 } = options ?? {};
    return parseFindings(this.handle.push(samplesMv, gapSamples));
  }

  /**
   * One PMD data frame from a Polar H10's data characteristic (source 'ecg').
   * @param {Uint8Array | ArrayBuffer | DataView} bytes
   * @returns {{ samples: Float32Array, gapSamples: number, gapS: number, dropped: boolean, note: string,
   *   firstSampleUnixMs: number | null, findings: LiveFindings | null }}
   *   samples in mV; gapSamples lost before them; dropped: a duplicate or late frame (no samples)
   * @throws {Error} for a malformed frame, naming expected and found bytes
   */
  pushPmdFrame(bytes) {
    const out = this.handle.pushPmdFrame(toBytes(bytes, 'PMD frame'));
    out.findings = parseFindings(out.findings);
    return out;
  }

  /**
   * One Heart Rate Measurement value (characteristic 0x2A37; source 'rr').
   * @param {Uint8Array | ArrayBuffer | DataView} bytes
   * @returns {{ heartRateBpm: number, rrMs: number[], sensorContact: boolean | null,
   *   energyExpendedKj: number | null, findings: LiveFindings | null }}
   */
  pushHeartRateMeasurement(bytes) {
    const out = this.handle.pushHeartRateMeasurement(toBytes(bytes, 'Heart Rate Measurement'));
    out.findings = parseFindings(out.findings);
    return out;
  }

  /** Findings now (also between the regular updates). @returns {LiveFindings} */
  update() { return JSON.parse(this.handle.update()); }

  /**
   * The session so far as a record (one lead, NaN where samples were lost), e.g. to screen or plot it.
   * @param {string} [name]
   * @returns {EcgRecord}
   */
  samples(name = 'live') {
    const { info, samples } = this.handle.session(name);
    return new EcgRecord(JSON.parse(info), samples);
  }

  /**
   * The session as files to save: 'wfdb' (name.hea + name.dat, lost samples as WFDB's invalid-sample
   * marker; ECG only) or 'csv' (ECG: time_s and mV, lost samples as empty cells; RR: time_s, rr_ms).
   * @param {string} name  file name stem, no spaces or slashes
   * @param {'wfdb' | 'csv'} [format]
   * @returns {NamedBytes[]}
   */
  sessionFiles(name, format = 'wfdb') { return this.handle.sessionFiles(name, format); }

  /** Stream time so far in seconds, gaps included. */
  get elapsedS() { return this.handle.elapsedS(); }

  /** Bytes of the analysis state (bounded: ring of recent samples and their beats). */
  get analysisBytes() { return this.handle.analysisBytes(); }

  /** Frees the stream's wasm memory. */
  delete() { this.handle.delete(); }
}

function parseFindings(json) {
  return json ? JSON.parse(json) : null;
}

/**
 * Accumulates evaluation cases (EcgScreen.evalCase) and scores them: n_records, challenge_metric,
 * macro_f1, per-class tp/fp/fn/tn with F1, sensitivity and specificity, skipped records by reason.
 * Owns wasm memory: call delete() when done.
 */
export class Evaluation {
  constructor(handle) { this.handle = handle; }
  /** @param {EvalCase} evalCase */
  add(evalCase) { this.handle.addCase(JSON.stringify(evalCase)); }
  /** @returns {EvaluationResult} */
  result() { return JSON.parse(this.handle.toJson()); }
  delete() { this.handle.delete(); }
}

/**
 * The result of an eval run (EcgScreen.evalReport): records added in folder-listing order.
 * Owns wasm memory: call delete() when done.
 */
export class EvalReport {
  constructor(handle) { this.handle = handle; }
  /** The record at `index` of the folder listing, read from `file`, scored or skipped. */
  add(index, file, evalCase) { this.handle.add(index, String(file), JSON.stringify(evalCase)); }
  /** The record at `index` of the folder listing could not be read or screened. */
  addError(index, file, error) { this.handle.addError(index, String(file), String(error)); }
  get nErrors() { return this.handle.nErrors(); }
  /** @returns {EvaluationResult} */
  result(options) {
    checkOptions('result options', options, { threads: ['a whole number of 0 or more', isCount], elapsedS: ['a number (seconds)', isNumber] });
    return JSON.parse(this.handle.toJson(options?.threads ?? 0, options?.elapsedS ?? 0));
  }
  delete() { this.handle.delete(); }
}

function requireRecord(record, what) {
  if (!(record instanceof EcgRecord)) throw new Error(`${what}: expected a record from readRecord(), found ${typeof record}`);
}

/**
 * A loaded neural-network model (a models/*.safetensors file) with one inference session.
 * Create it with EcgScreen.loadModel(); call delete() when done (it owns wasm memory).
 */
export class NnModel {
  constructor(session) {
    this.session = session;
    /** Model summary: name, leads, fs_hz, input_len, classes, thresholds, inputs, outputs, parameters, ... */
    this.info = JSON.parse(session.info());
    this.batch = 1;
    this.inputLen = this.info.input_len;
  }

  /**
   * Runs a batch of preprocessed windows through the model.
   * @param {{ [input: string]: Float32Array }} inputs  per graph input (e.g. `ecg`: batch × leads ×
   *   inputLen values, window-major then lead-major; `demographics`: batch × 5)
   * @param {{ batch?: number, inputLen?: number }} [options]  defaults: 1 window of info.input_len
   * @returns {{ [output: string]: Float32Array }}  logits per graph output, batch × classes (copies)
   * @example
   *   const model = ecg.loadModel(bytes);
   *   const { logits } = model.run({ ecg: windows, demographics: demo }, { batch: 2 });
   */
  run(inputs, options = {}) {
    checkOptions('run options', options, {
      batch: ['a whole number of windows, 1 or more', (v) => isCount(v) && v >= 1],
      inputLen: ['a whole number of samples, 1 or more', (v) => isCount(v) && v >= 1],
    });
    const { batch = 1, inputLen = this.info.input_len } = options ?? {};
    if (batch !== this.batch || inputLen !== this.inputLen) {
      this.session.reshape(batch, inputLen);
      this.batch = batch;
      this.inputLen = inputLen;
    }
    this.info.inputs.forEach((spec, i) => {
      const src = inputs?.[spec.name];
      const view = this.session.inputView(i);
      if (!(src instanceof Float32Array)) {
        throw new Error(`run: input ${spec.name}: expected a Float32Array of ${view.length} values, found ${src === undefined ? 'nothing' : typeof src}`);
      }
      if (src.length !== view.length) {
        throw new Error(`run: input ${spec.name}: got ${src.length} values, expected ${view.length} (batch ${batch} × [${spec.shape.length === 2 ? `${spec.shape[0]}, ${inputLen}` : spec.shape[0]}])`);
      }
      view.set(src);
    });
    this.session.run();
    return Object.fromEntries(this.info.outputs.map((name, i) => [name, this.session.outputView(i).slice()]));
  }

  /** Activation + scratch bytes the current plan uses. */
  get arenaBytes() { return this.session.arenaBytes(); }

  /**
   * Per-step timing of the next runs (off by default; when off it costs nothing measurable).
   * Switching it on clears what was recorded.
   * @param {boolean} on
   */
  setProfiling(on) { this.session.setProfiling(Boolean(on)); }

  /**
   * The steps of the runs since setProfiling(true), in run order: a fused step (e.g. conv1d +
   * batch-norm + relu) lists every model node it runs.
   * @returns {{ runs: number, steps: { op: string, name: string, nodes: number[], ms: number, flops: number }[] }}
   *   ms: mean wall time per run; flops: 2·MAC of its conv1d and linear nodes per run (whole batch)
   * @example
   *   model.setProfiling(true);
   *   model.run(inputs);
   *   const convMs = model.profile().steps.filter((s) => s.op === 'conv1d').reduce((a, s) => a + s.ms, 0);
   */
  profile() { return JSON.parse(this.session.profileJson()); }

  /** Size of the whole wasm memory now; it only grows, so this is the high-water mark. */
  get heapBytes() { return this.session.inputView(0).buffer.byteLength; }

  /** Frees the session's wasm memory. */
  delete() { this.session.delete(); }
}

// A JS array from an Embind StringVector, which is then freed (it owns wasm memory).
function fromStringVector(list) {
  try {
    return Array.from({ length: list.size() }, (_, i) => list.get(i));
  } finally {
    list.delete();
  }
}

function toBytes(bytes, name) {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw new Error(`file ${name}: expected its bytes as a Uint8Array or ArrayBuffer, found ${typeof bytes}`);
}

// ---- options: every options object is checked in one place ---------------------------------------
// Options the core reads (readRecord options, patient, live stream options) are checked by the core's
// tables (core/screen/options.cpp); the others, handled here, by checkOptions. Both say the same:
//   unknown option 'bogus' in readRecord options (expected one of: fsHz, units, deriveLimbLeads)
//   fsHz: expected a number (Hz, above 0 and at most 20000), found a string "x"

const LEAD = 'a string (a lead name, e.g. "II")';
const LEAD_SET = 'a string ("12", "6", "4", "3" or "2"; "" for every lead of the record)';
const isString = (v) => typeof v === 'string';
const isBoolean = (v) => typeof v === 'boolean';
const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);
const isCount = (v) => Number.isInteger(v) && v >= 0;
const isBytes = (v) => v instanceof ArrayBuffer || ArrayBuffer.isView(v);
const isNamedBytes = (v) => v !== null && typeof v === 'object' && typeof v.name === 'string' && isBytes(v.bytes);
const isShard = (v) => v !== null && typeof v === 'object' && isCount(v.k) && isCount(v.n) && v.k >= 1 && v.k <= v.n;

/** How a value is named after "found" (as the core names JSON values): a string "x", 400, true, an object. */
function describe(value) {
  if (typeof value === 'string') {
    const text = JSON.stringify(value);
    return `a string ${text.length > 42 ? `${text.slice(0, 40)}..."` : text}`;
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean' || value === undefined) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (Array.isArray(value)) return 'an array';
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `a ${value.constructor.name}`;
  return 'an object';
}

/**
 * Checks an options object handled in JS: undefined or null is no options; every key must be in
 * `spec` ({key: [expected, test]}), and each value that is not undefined must pass its test.
 * @param {string} what  e.g. 'loadEcgScreen options'
 * @param {unknown} options
 * @param {{ [key: string]: [string, (value: unknown) => boolean] }} spec
 */
function checkOptions(what, options, spec) {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object' || Array.isArray(options)) throw new Error(`${what}: expected an object, found ${describe(options)}`);
  for (const [key, value] of Object.entries(options)) {
    if (!Object.hasOwn(spec, key)) throw new Error(`unknown option '${key}' in ${what} (expected one of: ${Object.keys(spec).join(', ')})`);
    const [expected, test] = spec[key];
    if (value !== undefined && !test(value)) throw new Error(`${key}: expected ${expected}, found ${describe(value)}`);
  }
}

/**
 * The JSON text of an options object the core checks ('' for undefined or null). A value JSON cannot
 * carry as it is (NaN, Infinity, a function, a BigInt) is refused here instead of silently becoming
 * null or vanishing; an undefined value is an absent key, as in JSON.
 */
function optionsJson(what, options) {
  if (options === undefined || options === null) return '';
  if (typeof options === 'object' && !Array.isArray(options)) {
    for (const [key, value] of Object.entries(options)) {
      const carried = value === undefined || value === null || ['string', 'boolean', 'object'].includes(typeof value) || isNumber(value);
      if (!carried) throw new Error(`${key}: expected a JSON value (a finite number, a string, true or false), found ${describe(value)}`);
    }
  }
  let json;
  try {
    json = JSON.stringify(options);
  } catch {
    json = undefined;  // a cycle, or a BigInt deeper down
  }
  if (typeof json !== 'string') throw new Error(`${what}: expected an object of JSON values, found ${describe(options)}`);
  return json;
}

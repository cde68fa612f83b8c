// Types of the ecg-screen JS API (web/lib/ecg-screen.js).

/** A file handed to the reader: its name (used for format detection and messages) and its bytes. */
export interface NamedBytes {
  name: string;
  bytes: Uint8Array | ArrayBuffer;
}

/** The core's summary of a record (what `ecg-screen info` prints). */
export interface RecordInfo {
  record: string;
  format: string;
  fs_hz: number;
  leads: string[];
  n_samples: number;
  duration_s: number;
  age: number | null;
  sex: 'female' | 'male' | 'unknown';
  labels: string[];
  warnings: string[];
  /** Leads computed from others (ReadOptions.deriveLimbLeads), not recorded. */
  derived_leads: string[];
  /** How each lead was stored: label as the file writes it, units, gain (stored units per unit), baseline. */
  lead_details: LeadDetails[];
  /** Names of the files the record was read from. */
  files: string[];
  /** Free-text header comments the reader did not interpret. */
  comments: string[];
}

export interface LeadDetails {
  lead: string;
  label: string;
  units: string;
  gain: number;
  baseline: number;
  derived: boolean;
}

/**
 * Every options object below (ReadOptions, Patient, LiveStreamOptions, loadEcgScreen's and each
 * method's options) is checked when it is passed: a key not listed here is refused, and so is a value
 * of another type or out of range, with an Error naming the option by the name used here:
 *   unknown option 'bogus' in readRecord options (expected one of: fsHz, units, deriveLimbLeads)
 *   fsHz: expected a number (above 10 and at most 20000 Hz), found a string "x"
 * An undefined value is an absent key; for ReadOptions, Patient and LiveStreamOptions null is too.
 */

/** What the caller knows that a file may not say. */
export interface ReadOptions {
  /** Sampling rate of a CSV file without a time column. */
  fsHz?: number;
  /** Units of a CSV file whose header does not state them. */
  units?: 'mV' | 'uV' | 'µV';
  /** Add III, aVR, aVL, aVF computed from I and II when the record lacks them. */
  deriveLimbLeads?: boolean;
}

/** One WFDB annotation (wfdb-python's fields). */
export interface Annotation {
  /** Sample index from the start of the record. */
  sample: number;
  /** MIT symbol: 'N', 'V', 'A', '+', '(', ')', 'p', 't', ...; '[n]' for codes without one. */
  symbol: string;
  /** MIT annotation code (1 = normal beat, ...). */
  code: number;
  subtype: number;
  channel: number;
  num: number;
  /** Aux note, e.g. '(AFIB' for a rhythm change. */
  aux: string;
}

export interface AnnotationSet {
  file: string;
  /** The annotator: 'atr', 'i', 'v6', ... */
  extension: string;
  annotations: Annotation[];
}

export interface Patient {
  /** Age in years (0-150); overrides the record's. */
  age?: number | null;
  /** Overrides the record's unless 'unknown'. */
  sex?: 'female' | 'male' | 'unknown' | null;
}

/** Screening result: the JSON the core and the native CLI produce. */
export interface Findings {
  record: string;
  fs_hz: number;
  duration_s: number;
  leads: string[];
  /** R-peak sample indices, fused across leads. */
  rpeaks: number[];
  /** One entry per R-peak: its AAMI beat class and the evidence behind it (docs/beats.md). */
  beats: BeatFinding[];
  /** Median-RR heart rate; null when fewer than two beats were found. */
  heart_rate_bpm: number | null;
  age: number | null;
  sex: 'female' | 'male' | 'unknown';
  warnings: string[];
  /** Signal-quality flags: flat or saturated leads, short record, normalised amplitudes. */
  quality: string[];
  /** Every clinical rule's decision with its criterion and evidence. */
  rules: RulesReport;
  /** Per scored class: model probability, rule decision, merged decision and who made it. */
  classes: ClassFinding[];
  /** The model that ran; null when none fits the record's leads (rules only). */
  model: ModelUse | null;
  /**
   * A one-lead record that no screening model fits, screened by the rhythm model (e.g. rhythm-1):
   * its classes and decision (which decides the AF class, SNOMED 164889003); null otherwise.
   */
  rhythm: { model: string; lead: string; windows: number; decided: string; classes: { snomed: string; abbr: string; name: string; probability: number }[] } | null;
  /** True when the signal cannot support a result (reasons say why): do not read it as normal. */
  inconclusive: boolean;
  inconclusive_reasons: string[];
  /** 'withheld' when inconclusive: every class's decision is then false with source 'withheld'. */
  decisions: 'made' | 'withheld';
  /** The quality gate per lead: unusable leads were zeroed before R-peaks, rules and the model. */
  lead_quality: (LeadQuality & { unusable_windows_s: [number, number][] })[];
  /** Milliseconds per pipeline stage, keyed `<stage>_ms`. */
  timings: Record<string, number>;
  /** The measurement block an electrocardiograph prints, as typed values (not parsed from evidence text). */
  measurements: Measurements;
  /** The median (representative) beat of every lead with its fiducial points. */
  median_beats: MedianBeats;
  disclaimer: string;
}

/** A detected beat's AAMI EC57 class: N normal (and bundle-branch), S supraventricular ectopic,
 * V ventricular ectopic, F fusion, Q unclassifiable. */
export interface BeatFinding {
  t_s: number;
  sample: number;
  class: 'N' | 'S' | 'V' | 'F' | 'Q';
  evidence: {
    /** RR before / after the beat over the local RR (mean of the 20 RR intervals around it). */
    rr_pre_ratio: number;
    rr_post_ratio: number;
    /** Correlation with the dominant beat's QRS, and QRS width and amplitude over the dominant's. */
    qrs_corr: number;
    width_ratio: number;
    width_ms: number;
    amp_ratio: number;
    p_wave: boolean;
    /** Classifier probabilities of S, V and F (N is the rest). */
    p_S: number;
    p_V: number;
    p_F: number;
  };
}

/** One value of the measurement block; value null: not measured, and reason says why. */
export interface Measurement {
  value: number | null;
  unit: 'bpm' | 'ms' | 'deg';
  /** How it was measured. */
  method: string;
  /** Why it could not be measured; null when measured. */
  reason: string | null;
}

export interface Measurements {
  heart_rate_bpm: Measurement;
  /** Median RR interval. */
  rr_ms: Measurement;
  pr_ms: Measurement;
  qrs_ms: Measurement;
  qt_ms: Measurement;
  /** QTc by the formula the LQT rule decides with (formula: "Bazett", "Fridericia", ...; null when not measured). */
  qtc_ms: Measurement & { formula: string | null };
  /** Frontal axes in degrees: P and T from the median beats of I and aVF, QRS from the LAD/RAD rules. */
  p_axis_deg: Measurement;
  qrs_axis_deg: Measurement;
  t_axis_deg: Measurement;
}

/** Median beats: sample k of a lead is at start_ms + 1000 k / fs_hz relative to the R peak. */
export interface MedianBeats {
  fs_hz: number;
  /** Time of the first sample relative to R (negative), ms. */
  start_ms: number;
  /** Beats the medians are taken over (0: none fits a whole window; mv is then empty). */
  beats: number;
  /** Per lead name, millivolts (baseline removed), rounded to 1 µV. */
  mv: Record<string, number[]>;
  /** Fiducial points relative to R in ms; null where the delineation found the point in fewer than half of the beats. */
  fiducials_ms: { p_on: number | null; p_off: number | null; qrs_on: number | null; qrs_off: number | null; t_off: number | null };
}

export interface ClassFinding {
  snomed: string;
  abbr: string;
  name: string;
  /** Model probability averaged (or maxed) over windows; null when no model ran. */
  probability: number | null;
  threshold: number | null;
  /** The model's own decision (p >= threshold, or the most probable class). */
  model: 'positive' | 'negative' | null;
  /** The clinical rule for this class, if there is one. */
  rule: 'positive' | 'negative' | 'not_assessable' | null;
  /** The merged decision: the class's merge policy (docs/rules.md) between rule and model. */
  decision: boolean;
  /** Who made a positive decision; '' when negative; 'withheld' on an inconclusive record. */
  source: 'rule' | 'both' | 'model' | 'withheld' | '';
  /** False when the record is inconclusive: the probability must not be read. */
  interpretable: boolean;
}

/** One lead's signal quality (docs/quality.md). */
export interface LeadQuality {
  lead: string;
  usable: boolean;
  /** Why the lead is unusable, in words (the most frequent window reasons); empty when usable. */
  reasons: string[];
  /** Defects that leave it usable (mild mains, wander). */
  notes: string[];
  /** Share of the lead's 2.5-s windows that are usable (by samples). */
  usable_share: number | null;
  /** With { windows: true } only: every window's decision and measurements. */
  windows?: WindowQuality[];
}

export interface WindowQuality {
  start_s: number;
  duration_s: number;
  usable: boolean;
  reasons: string[];
  notes: string[];
  range_mv: number | null;
  kurtosis: number | null;
  agreement: number | null;
  similarity: number | null;
  hf_ratio: number | null;
  mains_ratio: number | null;
  wander_ratio: number | null;
  artefact_ratio: number | null;
  beats: number;
}

/** ecg.quality(record): what `ecg-screen quality` prints. */
export interface QualityReport {
  record: string;
  fs_hz: number;
  /** Share of the record where most leads are usable. */
  usable_share: number | null;
  /** The record as a whole cannot be read (implausible amplitude or sampling rate). */
  reasons: string[];
  warnings: string[];
  lead_quality: LeadQuality[];
}

export interface ModelUse {
  name: string;
  /** '12', '6', '4', '3', '2' or '1'. */
  lead_set: string;
  leads: string[];
  fs_hz: number;
  input_len: number;
  /** Windows covering the whole record. */
  windows: number;
  backend: string;
}

export interface RuleEvidence {
  name: string;
  value: number | null;
  unit: string;
  /** Set when the value belongs to one lead. */
  lead?: string;
}

export interface RuleResult {
  /** Brady, SB, STach, LAD, RAD, LQRSV, PR, IAVB, LQT, QRS120, IrregularRR */
  id: string;
  snomed: string;
  name: string;
  /** A rule that needs leads the record lacks says 'not_assessable', never 'negative'. */
  decision: 'positive' | 'negative' | 'not_assessable';
  criterion: string;
  evidence: RuleEvidence[];
  /** Why not assessable, or a caveat. */
  note: string;
}

export interface RulesReport {
  n_beats: number;
  quality: string[];
  leads_used: string[];
  rules: RuleResult[];
}

export interface RpeaksResult {
  record: string;
  fs_hz: number;
  /** 'fused' or the lead asked for. */
  lead: string;
  rpeaks: number[];
  heart_rate_bpm: number | null;
}

export interface BeatBoundaries {
  r: number;
  qrs_on: number | null;
  qrs_off: number | null;
  p_on: number | null;
  p_peak: number | null;
  p_off: number | null;
  t_peak: number | null;
  t_off: number | null;
}

export class EcgRecord {
  constructor(info: RecordInfo, samples: Float32Array);
  readonly info: RecordInfo;
  /** Lead-major samples in mV: leads.length * nSamples values. */
  readonly samples: Float32Array;
  readonly name: string;
  readonly fsHz: number;
  readonly leads: string[];
  readonly nSamples: number;
  readonly durationS: number;
  readonly warnings: string[];
  readonly labels: string[];
  readonly age: number | null;
  readonly sex: 'female' | 'male' | 'unknown';
  readonly derivedLeads: string[];
  /** One lead's samples (a view into `samples`). Throws if the record lacks the lead. */
  lead(lead: string | number): Float32Array;
}

/** The model screen() runs for a record (EcgScreen.chosenModel). */
export interface ModelChoice {
  model: string;
  /** 'screen': a screening model; 'rhythm': a one-lead record no screening model fits. */
  task: 'screen' | 'rhythm';
  /** As findings.model.lead_set: the lead set's name, or the number of leads read ('1' for rhythm). */
  leadSet: string;
  leads: string[];
}

/** What a model file's header states (EcgScreen.readModelInfo): ModelInfo without what the graph gives. */
export type ModelFileInfo = Omit<ModelInfo, 'task' | 'inputs' | 'outputs' | 'parameters' | 'flops_per_window' | 'dtypes'> & {
  /** 'qrs': a QRS detector (compiled into the core; neither a screening nor a rhythm model). */
  task: 'screen' | 'rhythm' | 'qrs';
};

/**
 * Summary of a loaded model file (schema ecg-screen-model/2 or /1). Like Findings, a wire format: its
 * keys are the model file's own field names (snake_case, docs/model-format.md), not an options style.
 */
export interface ModelInfo {
  name: string;
  architecture: string;
  leads: string[];
  fs_hz: number;
  input_len: number;
  demographics: 'lrhnet5' | null;
  /** 'screen': multi-label screening model (Screener); 'rhythm': single-label rhythm model (never chosen by Screener). */
  task: 'screen' | 'rhythm';
  /** `snomed`: a SNOMED CT id, or 'local:…' for a class without one (e.g. rhythm-1's 'local:noisy'). */
  classes: { snomed: string; abbr: string; name: string }[];
  /** 'threshold_or_argmax' (task screen, sigmoid per class) or 'argmax' (task rhythm, softmax, one class). */
  decision_rule: 'threshold_or_argmax' | 'argmax';
  /** One per class for 'threshold_or_argmax'; empty for 'argmax'. */
  thresholds: number[];
  inputs: { name: string; shape: number[] }[];
  outputs: string[];
  lead_sets?: { name: string; leads: string[]; output: string; thresholds: number[] }[];
  parameters: number;
  flops_per_window: number;
  /** Schema version of the file: 2 (F32 / F16 / I8 tensors, tensor hash checked at load) or 1 (float32, no hash). */
  schema: 1 | 2;
  /** Schema 2: SHA-256 of the tensor bytes, checked at load; null for schema 1. */
  tensor_sha256: string | null;
  /** Stored dtype -> number of values (I8 and F16 tensors are dequantised to float32 at load). */
  dtypes: Record<string, number>;
}

/** A model with one inference session; call delete() when done. */
export class NnModel {
  readonly info: ModelInfo;
  /**
   * Runs `batch` preprocessed windows: inputs per graph input name (`ecg`: batch × leads × inputLen,
   * `demographics`: batch × 5); returns logits per output name (batch × classes).
   */
  run(inputs: Record<string, Float32Array>, options?: { batch?: number; inputLen?: number }): Record<string, Float32Array>;
  /** Activation + scratch bytes planned for the current batch and length. */
  readonly arenaBytes: number;
  /** Current wasm memory size (its high-water mark: wasm memory never shrinks). */
  readonly heapBytes: number;
  /** Per-step timing of the next runs (off by default); switching it on clears what was recorded. */
  setProfiling(on: boolean): void;
  /** Steps of the runs since setProfiling(true), in run order, with mean ms per run and FLOPs. */
  profile(): { runs: number; steps: NnStepProfile[] };
  delete(): void;
}

/** Bluetooth constants and Polar PMD command bytes, from the core (no protocol logic in web code). */
export interface BleProtocol {
  pmd: {
    /** PMD service UUID (fb005c80-…). */
    service: string;
    /** Control point (write + indicate). */
    controlPoint: string;
    /** Data (notify): ECG frames. */
    data: string;
    /** 130: the Polar H10's ECG rate. */
    ecgFsHz: number;
    /** 01 00 */
    getSettings: Uint8Array;
    /** 02 00 00 01 82 00 01 01 0E 00 (ECG, 130 Hz, 14 bit) */
    startEcg: Uint8Array;
    /** 03 00 */
    stop: Uint8Array;
  };
  heartRate: { service: string; measurement: string };
}

/** A PMD control-point answer. */
export interface PmdControlPointAnswer {
  opcode: number;
  opcode_name: string;
  measurement: number;
  measurement_name: string;
  status: number;
  /** 'success', 'invalid opcode', 'already in state', 'invalid sample rate', 'device in charger', … */
  status_name: string;
  ok: boolean;
  more: boolean;
  /** For a successful get-settings answer. */
  settings: {
    sample_rates_hz: number[];
    resolutions_bits: number[];
    ranges: number[];
    ranges_milliunit: number[];
    channels: number[];
    factors: number[];
    security: boolean;
  } | null;
}

export interface LiveStreamOptions {
  /** 'ecg': samples or PMD frames (default); 'rr': Heart Rate service RR intervals. */
  source?: 'ecg' | 'rr';
  /** ECG sampling rate, 100-1000 Hz (default 130, the Polar H10's). */
  fsHz?: number;
  /** The lead's name (default 'ECG'). */
  lead?: string;
  /** Findings every this many seconds of stream time (default 5). */
  updateEveryS?: number;
  /** Seconds of samples kept for analysis (default 60): the memory bound. */
  keepS?: number;
  /** Heart rate: median RR over this many seconds (default 10). */
  hrWindowS?: number;
  /** RR irregularity, P waves: over this many seconds (default 30). */
  rhythmWindowS?: number;
  /** Seconds of the session kept for saving (default 4 h; 0 keeps none). */
  recordS?: number;
  /** Wall-clock time of the first sample for saved files (PMD frames carry their own). */
  startUnixMs?: number;
  /**
   * A model file of task 'rhythm' (e.g. models/rhythm-1) run on the last rhythm window at every
   * update (ECG streams); default: the first such model loaded (the shipped rhythm-1); null: none.
   */
  rhythmModel?: NamedBytes | null;
}

/** Live findings: the JSON the core's to_json(LiveFindings) writes. */
export interface LiveFindings {
  /** 1, 2, … one per update. */
  update: number;
  source: 'ecg' | 'rr';
  lead: string;
  /** 0 for RR intervals. */
  fs_hz: number;
  /** Stream time so far, gaps included. */
  elapsed_s: number;
  /** Beats are final up to here (the detector needs 2 s after a beat). */
  analysed_to_s: number;
  /** [from, to] seconds of the heart rate's window. */
  hr_window_s: [number, number];
  n_samples: number;
  n_beats: number;
  n_gaps: number;
  gap_s: number;
  n_dropped_frames: number;
  /** R-peak sample indices from the stream's start (the last keepS seconds). */
  rpeaks: number[];
  /** 60 / median RR over the heart-rate window; null when fewer than three beats. */
  heart_rate_bpm: number | null;
  hr_beats: number;
  /** What the Heart Rate service reported last. */
  device_heart_rate_bpm: number | null;
  /** The IrregularRR rule over the rhythm window, with its evidence (rr_nrmssd, p_wave_share). */
  irregular_rr: RuleResult;
  /** A rhythm model's view of the last 30 s, when one is set (C++ hook; none in the JS API yet). */
  model: { name: string; window_s: number; decided: string; classes: { snomed: string; abbr: string; name: string; probability: number }[] } | null;
  af_suspected: boolean;
  af_source: 'rule' | 'model' | 'both' | '';
  /** Median correlation of recent beats with their median beat (near 1 on a clean ECG). */
  beat_similarity: number | null;
  /** Flat, clipped, noisy signal, gaps, lost contact, recording full. */
  quality: string[];
  /** True while the findings cannot be relied on (reasons say why). */
  inconclusive: boolean;
  inconclusive_reasons: string[];
  disclaimer: string;
}

/** A live stream being screened; call delete() when done. */
export class LiveStream {
  /** ECG samples in mV; findings when an update fell due. */
  push(samplesMv: Float32Array | number[], options?: { gapSamples?: number }): LiveFindings | null;
  /** One PMD data frame (Polar H10 ECG). */
  pushPmdFrame(bytes: Uint8Array | ArrayBuffer | DataView): {
    samples: Float32Array; gapSamples: number; gapS: number; dropped: boolean; note: string;
    firstSampleUnixMs: number | null; findings: LiveFindings | null;
  };
  /** One Heart Rate Measurement value (0x2A37). */
  pushHeartRateMeasurement(bytes: Uint8Array | ArrayBuffer | DataView): {
    heartRateBpm: number; rrMs: number[]; sensorContact: boolean | null; energyExpendedKj: number | null; findings: LiveFindings | null;
  };
  /** Findings now. */
  update(): LiveFindings;
  /** The session so far as a one-lead record (NaN where samples were lost). */
  samples(name?: string): EcgRecord;
  /** The session as files: 'wfdb' (.hea + .dat; ECG only) or 'csv'. */
  sessionFiles(name: string, format?: 'wfdb' | 'csv'): NamedBytes[];
  readonly elapsedS: number;
  readonly analysisBytes: number;
  delete(): void;
}

export interface NnStepProfile {
  /** The op of the step's main node ('conv1d', 'add', ...); a fused step runs several nodes. */
  op: string;
  /** The value the step writes. */
  name: string;
  /** Indices of the model's graph nodes the step runs. */
  nodes: number[];
  /** Mean wall time per run, ms. */
  ms: number;
  /** 2·MAC of its conv1d and linear nodes per run. */
  flops: number;
}

export class EcgScreen {
  /** Loads a model file; throws an Error naming the bad field ("got … expected …"). */
  loadModel(bytes: Uint8Array | ArrayBuffer, options?: { backend?: 'simd' | 'reference' }): NnModel;
  readonly version: string;
  /** With deferModels: waits until the models that may screen this record are loaded (at once when none not loaded yet could be chosen instead: the core's rule). */
  modelsFor(record: EcgRecord): Promise<void>;
  /** The model screen() runs for this record among the models loaded (the core's rule), without screening; null when none fits (rules only). */
  chosenModel(record: EcgRecord): ModelChoice | null;
  /** What a model file is, from its header alone (no tensor decoded, no session built); throws as loadModel does. */
  readModelInfo(bytes: Uint8Array | ArrayBuffer): ModelFileInfo;
  /** With deferModels: loads the other shipped models now (once). */
  loadDeferredModels(): Promise<void>;
  /**
   * Reads one record (WFDB .hea + .dat/.mat, .csv, .edf); throws an Error naming the file, field,
   * expected and found values.
   * @example ecg.readRecord([{ name: 'a.csv', bytes }], { fsHz: 500, units: 'uV' })
   */
  readRecord(files: NamedBytes[], options?: ReadOptions): EcgRecord;
  /** Reads a WFDB annotation file (.atr, LUDB .i ... .v6). */
  readAnnotations(file: NamedBytes): AnnotationSet;
  /** Signal files a WFDB header names. */
  wfdbCompanions(header: NamedBytes): string[];
  wfdbCompanionLimits(header: NamedBytes): { name: string; max_bytes: number }[];
  /** Model + rules screening of one record. */
  screen(record: EcgRecord, patient?: Patient): Findings;
  /** The same as one CSV row (header: csvHeader). */
  screenCsv(record: EcgRecord, patient?: Patient): string;
  /** Why none of the models added can screen the record (what each needs); null when one can or none was added. */
  whyNoModel(record: EcgRecord): string | null;
  readonly csvHeader: string;
  /** Names of the screening models loaded. */
  readonly models: string[];
  /** Adds a screening model file; screen() picks the one using the most leads a record has. */
  addModel(model: NamedBytes): void;
  /** R-peaks fused across leads, or on one lead. */
  detectRpeaks(record: EcgRecord, options?: { lead?: string }): RpeaksResult;
  /** P, QRS and T boundaries per beat (sample indices). */
  delineate(record: EcgRecord, options?: { lead?: string }): { record: string; fs_hz: number; lead: string; beats: BeatBoundaries[] };
  /** Clinical rules with evidence. */
  evaluateRules(record: EcgRecord, patient?: Patient): RulesReport;
  /** Signal quality per lead (and per window with { windows: true }). */
  quality(record: EcgRecord, options?: { windows?: boolean }): QualityReport;
  /** Anti-aliased polyphase resampling; 'scipy' (default) matches the models' training. */
  resample(samples: Float32Array, fsIn: number, fsOut: number, options?: { quality?: 'scipy' | 'high' }): Float32Array;
  /** Zero-phase FIR band-pass (default 0.5-45 Hz). */
  bandpass(samples: Float32Array, fsHz: number, options?: { loHz?: number; hiHz?: number }): Float32Array;
  /** One record's evaluation case: screened on the lead set (default: every lead), or skipped. */
  evalCase(record: EcgRecord, options?: { leadSet?: '12' | '6' | '4' | '3' | '2' }): EvalCase;
  /** A new accumulator scoring cases with the CinC 2021 challenge metric (call delete() when done). */
  evaluation(): Evaluation;
  /** The result `ecg-screen eval` prints, from records added in folder-listing order (call delete() when done). */
  evalReport(options: { leadSet?: string; shard?: Shard | null; recordsInFolder: number }): EvalReport;
  /** Whether the record at `path` is in shard k of n, by its record name (FNV-1a 64 modulo n, plus 1). */
  inShard(path: string, shard: Shard): boolean;
  /** Merges the results of `eval --shard K/N` (K = 1..N) into the unsharded result; throws naming the bad file. */
  mergeEvalResults(files: NamedBytes[]): EvalResult;
  /** UUIDs and PMD command bytes for Web Bluetooth code. */
  readonly bleProtocol: BleProtocol;
  /** Parses a PMD control-point answer; throws on bytes that are not one. */
  parsePmdControlPoint(bytes: Uint8Array | ArrayBuffer | DataView): PmdControlPointAnswer;
  /** Starts live screening of an ECG or RR-interval stream. */
  createStream(options?: LiveStreamOptions): LiveStream;
}

/** One record's part of an evaluation (what evalCase returns and Evaluation.add takes). */
export interface EvalCase {
  record: string;
  /** The record's labels as the file states them. */
  labels: string[];
  /** SNOMED codes screening decided positive. */
  outputs: string[];
  /** Model that ran; '' for rules only. */
  model: string;
  inconclusive: boolean;
  /** Why the record was left out ('no labels', 'lacks lead(s) V2 of the 3-lead set'); '' when it counts. */
  skipped: string;
}

/** Per scored class: counts over the records and the measures from them (null when undefined). */
export interface ClassCounts {
  /** weights.csv abbreviation, e.g. 'AF', 'CRBBB|RBBB'. */
  abbr: string;
  codes: string[];
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  f1: number | null;
  sensitivity: number | null;
  specificity: number | null;
}

export interface EvaluationResult {
  n_records: number;
  /** Labelled records none of whose labels is a scored class (kept, as the official metric does). */
  n_without_scored_label: number;
  /** The official CinC 2021 challenge metric: (observed - inactive) / (correct - inactive). */
  challenge_metric: number;
  /** Mean F1 over the classes that occur in labels or outputs. */
  macro_f1: number | null;
  observed: number;
  correct: number;
  inactive: number;
  /** The 26 scored classes in weights.csv order. */
  classes: ClassCounts[];
  n_skipped: number;
  /** Skipped records by reason. */
  skipped: Record<string, number>;
  n_inconclusive: number;
  /** Records each model screened ('(rules only)' when none ran). */
  models: Record<string, number>;
}

export class Evaluation {
  add(evalCase: EvalCase): void;
  result(): EvaluationResult;
  delete(): void;
}

/** Shard k of n, counted from 1 (1 <= k <= n). */
export interface Shard {
  k: number;
  n: number;
}

/** What `ecg-screen eval` prints (EvalReport.result, EcgScreen.mergeEvalResults). */
export interface EvalResult extends EvaluationResult {
  /** null: every lead of each record. */
  lead_set: string | null;
  n_files: number;
  /** Records that could not be read or screened (with a shard also their index in the folder listing). */
  errors: { file: string; error: string; index?: number }[];
  threads: number;
  elapsed_s: number;
  records_per_s: number;
  /** With a shard only: which, how many records, and the models loaded. */
  shard?: Shard & { records_in_shard: number; records_in_folder: number; models: { name: string; fnv1a64: string }[] };
  /** With a shard only: every record of the shard (what merge replays). */
  cases?: (EvalCase & { index: number; file: string })[];
}

export class EvalReport {
  add(index: number, file: string, evalCase: EvalCase): void;
  addError(index: number, file: string, error: string): void;
  readonly nErrors: number;
  result(options: { threads: number; elapsedS: number }): EvalResult;
  delete(): void;
}

/**
 * Loads the WebAssembly core and the screening models (by default every shipped
 * models/*.safetensors; `models: []` screens with the clinical rules only).
 */
export function loadEcgScreen(options?: {
  wasmBinary?: Uint8Array | ArrayBuffer;
  models?: NamedBytes[];
  /** Shipped models only: resolve when the model with the most leads is loaded; the others load on loadDeferredModels() or when modelsFor() needs them. */
  deferModels?: boolean;
}): Promise<EcgScreen>;

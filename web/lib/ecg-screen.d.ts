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
  /** Median-RR heart rate; null when fewer than two beats were found. */
  heart_rate_bpm: number | null;
  age: number | null;
  sex: 'female' | 'male' | 'unknown';
  warnings: string[];
  /** Milliseconds per pipeline stage, keyed `<stage>_ms`. */
  timings: Record<string, number>;
  disclaimer: string;
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
  /** One lead's samples (a view into `samples`). Throws if the record lacks the lead. */
  lead(lead: string | number): Float32Array;
}

export class EcgScreen {
  readonly version: string;
  /** Reads one record; throws an Error naming the file, field, expected and found values. */
  readRecord(files: NamedBytes[]): EcgRecord;
  /** Signal files a WFDB header names. */
  wfdbCompanions(header: NamedBytes): string[];
  screen(record: EcgRecord, patient?: Patient): Findings;
}

/** Loads the WebAssembly core (by default web/gen/ecg-core.wasm beside this package). */
export function loadEcgScreen(options?: { wasmBinary?: Uint8Array | ArrayBuffer }): Promise<EcgScreen>;

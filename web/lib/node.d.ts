// Types of the Node-only helpers (web/lib/node.js).
import type { AnnotationSet, EcgRecord, EcgScreen, NamedBytes, ReadOptions } from './ecg-screen.js';

/** Loads a WFDB header (path with or without .hea, or its .mat/.dat) and the signal files it names; or a .csv/.edf file. */
export function loadRecordFiles(ecg: EcgScreen, path: string): Promise<NamedBytes[]>;
/** Reads a record from a path on disk. */
export function readRecordFromPath(ecg: EcgScreen, path: string, options?: ReadOptions): Promise<EcgRecord>;
/** Reads a WFDB annotation file (.atr, LUDB .i ... .v6) from disk. */
export function readAnnotationsFromPath(ecg: EcgScreen, path: string): Promise<AnnotationSet>;
/** Reads a regular file of at most maxBytes (never a directory, device, FIFO or socket); errors name the path. */
export function readFileBounded(path: string, maxBytes?: number, limit?: string): Promise<Uint8Array>;
/** Caps for files whose size nothing else bounds: a WFDB header, a CSV or EDF file, a model file. */
export const MAX_HEADER_BYTES: number;
export const MAX_RECORD_FILE_BYTES: number;
export const MAX_MODEL_BYTES: number;

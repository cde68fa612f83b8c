// Types of the Node-only helpers (web/lib/node.js).
import type { EcgRecord, EcgScreen, NamedBytes } from './ecg-screen.js';

/** Loads a WFDB header (path with or without .hea) and the signal files it names. */
export function loadRecordFiles(ecg: EcgScreen, path: string): Promise<NamedBytes[]>;
/** Reads a record from a path on disk. */
export function readRecordFromPath(ecg: EcgScreen, path: string): Promise<EcgRecord>;

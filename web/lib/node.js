// Node-only helpers on top of the JS API: read records from paths on disk.
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

/**
 * Loads a record's files from disk: a WFDB header path (with or without .hea; a .mat or .dat path
 * means the header beside it) and the signal files it names, from the same folder; or one .csv or
 * .edf file.
 * @param {import('./ecg-screen.js').EcgScreen} ecg
 * @param {string} path
 * @returns {Promise<{name: string, bytes: Uint8Array}[]>}
 * @example
 *   const files = await loadRecordFiles(ecg, 'data/mitbih/100');  // 100.hea + 100.dat
 */
export async function loadRecordFiles(ecg, path) {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv' || ext === '.tsv' || ext === '.edf') {
    return [{ name: basename(path), bytes: await readOrThrow(path, 'cannot open the file') }];
  }
  const header = ext === '.hea' ? path : (ext === '.mat' || ext === '.dat') ? path.slice(0, -ext.length) + '.hea' : `${path}.hea`;
  const files = [{ name: basename(header), bytes: await readOrThrow(header, 'cannot open the file') }];
  for (const companion of ecg.wfdbCompanions(files[0])) {
    const companionPath = join(dirname(header), companion);
    files.push({ name: companion, bytes: await readOrThrow(companionPath, `cannot open the signal file that ${basename(header)} names`) });
  }
  return files;
}

async function readOrThrow(path, what) {
  try {
    return await readFile(path);
  } catch (e) {
    throw new Error(`${path}: ${what} (${e.code ?? e.message})`);
  }
}

/**
 * Reads a WFDB annotation file from disk.
 * @param {import('./ecg-screen.js').EcgScreen} ecg
 * @param {string} path  e.g. 'data/mitbih/100.atr' or 'data/ludb/1.ii'
 * @returns {Promise<import('./ecg-screen.js').AnnotationSet>}
 */
export async function readAnnotationsFromPath(ecg, path) {
  return ecg.readAnnotations({ name: basename(path), bytes: await readOrThrow(path, 'cannot open the annotation file') });
}

/**
 * Reads a record from a path on disk.
 * @param {import('./ecg-screen.js').EcgScreen} ecg
 * @param {string} path
 * @param {import('./ecg-screen.js').ReadOptions} [options]
 */
export async function readRecordFromPath(ecg, path, options = {}) {
  return ecg.readRecord(await loadRecordFiles(ecg, path), options);
}

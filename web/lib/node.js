// Node-only helpers on top of the JS API: read records from paths on disk.
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

/**
 * Loads a record's files from disk: a WFDB header path (with or without .hea) and the signal files
 * it names, from the same folder.
 * @param {import('./ecg-screen.js').EcgScreen} ecg
 * @param {string} path
 * @returns {Promise<{name: string, bytes: Uint8Array}[]>}
 */
export async function loadRecordFiles(ecg, path) {
  const header = extname(path) === '.hea' ? path : `${path}.hea`;
  let bytes;
  try {
    bytes = await readFile(header);
  } catch (e) {
    throw new Error(`${header}: cannot open the file (${e.code ?? e.message})`);
  }
  const files = [{ name: basename(header), bytes }];
  for (const companion of ecg.wfdbCompanions(files[0])) {
    const companionPath = join(dirname(header), companion);
    try {
      files.push({ name: companion, bytes: await readFile(companionPath) });
    } catch (e) {
      throw new Error(`${companionPath}: cannot open the signal file that ${basename(header)} names (${e.code ?? e.message})`);
    }
  }
  return files;
}

/**
 * Reads a record from a path on disk.
 * @param {import('./ecg-screen.js').EcgScreen} ecg
 * @param {string} path
 */
export async function readRecordFromPath(ecg, path) {
  return ecg.readRecord(await loadRecordFiles(ecg, path));
}

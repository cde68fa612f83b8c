// Node-only helpers on top of the JS API: read records from paths on disk, with the same rules as the
// native tool (core/cli/files.h): only regular files are read (never a directory, device, FIFO or
// socket), a header's signal files are plain names in its folder (the core refuses paths) and may not
// be links out of it, and no file is read beyond the size its header declares (or a fixed cap for
// files without one).
import { constants, existsSync } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

/** Caps for files whose size nothing else bounds (the same as the native tool's). */
export const MAX_HEADER_BYTES = 2 ** 20;            // a WFDB header (the core's limit too)
export const MAX_RECORD_FILE_BYTES = 2 * 2 ** 30;   // a CSV or EDF file: 2 GiB (a 2^27-sample CSV)
export const MAX_MODEL_BYTES = 512 * 2 ** 20;       // a model file: 512 MiB (shipped models are a few MB)

// The C library's words for the usual errors, so messages match the native tool's.
const ERRNO_TEXT = {
  ENOENT: 'No such file or directory', EACCES: 'Permission denied', EPERM: 'Operation not permitted',
  ELOOP: 'Too many levels of symbolic links', ENOTDIR: 'Not a directory', EISDIR: 'Is a directory',
  ENAMETOOLONG: 'File name too long', EMFILE: 'Too many open files', EIO: 'Input/output error',
};
const errnoText = (error) => ERRNO_TEXT[error.code] ?? error.code ?? error.message;

function fileKind(info) {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads a file only when it is a regular file of at most maxBytes; the type is checked before and
 * after opening (O_NONBLOCK, so a FIFO cannot block), so the read is bounded and cannot hang.
 * Errors name the path and say what was expected and found.
 * @param {string} path
 * @param {number} [maxBytes]
 * @param {string} [limit]  where the cap comes from, for the message
 * @returns {Promise<Uint8Array>}
 */
export async function readFileBounded(path, maxBytes = MAX_RECORD_FILE_BYTES, limit = 'the limit for a file without a header stating its size') {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new Error(`${path}: cannot open the file (${errnoText(error)})`);
  }
  if (!info.isFile()) throw new Error(`${path}: expected a regular file, found ${fileKind(info)}`);
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new Error(`${path}: cannot open the file (${errnoText(error)})`);
  }
  try {
    info = await handle.stat();
    if (!info.isFile()) throw new Error(`${path}: expected a regular file, found ${fileKind(info)}`);
    if (info.size > maxBytes) throw new Error(`${path}: expected at most ${maxBytes} bytes (${limit}), found ${info.size} bytes`);
    const bytes = new Uint8Array(info.size);
    let got = 0;
    while (got < bytes.length) {
      const { bytesRead } = await handle.read(bytes, got, bytes.length - got, got);
      if (bytesRead === 0) break;  // shrank while reading: the reader checks sizes
      got += bytesRead;
    }
    return got === bytes.length ? bytes : bytes.subarray(0, got);
  } catch (error) {
    if (error.code) throw new Error(`${path}: cannot read the file (${errnoText(error)})`);
    throw error;
  } finally {
    await handle.close();
  }
}

// A file a header names must stay inside the header's folder (a link there may not lead out of it).
async function checkInsideFolder(file, folder) {
  let realFile, realFolder;
  try {
    [realFile, realFolder] = await Promise.all([realpath(file), realpath(folder || '.')]);
  } catch {
    return;  // missing: readFileBounded names the problem
  }
  if (dirname(realFile) !== realFolder) {
    throw new Error(`${file}: expected a file inside the record's folder, found a link to ${realFile} (signal files must sit beside their header)`);
  }
}

/**
 * Loads a record's files from disk, as the native tool does: a WFDB header path (with or without
 * .hea; a .mat or .dat path means the header beside it) and the signal files it names, from the same
 * folder, each capped at the size the header declares; or one .csv or .edf file. The files keep the
 * path as given as their name, so messages name the file on disk.
 * @param {import('./ecg-screen.js').EcgScreen} ecg
 * @param {string} path
 * @returns {Promise<{name: string, bytes: Uint8Array}[]>}
 * @example
 *   const files = await loadRecordFiles(ecg, 'data/mitbih/100');  // 100.hea + 100.dat
 */
export async function loadRecordFiles(ecg, path) {
  let file = path;
  const ext = extname(path);
  if (ext === '.mat' || ext === '.dat') {
    file = path.slice(0, -ext.length) + '.hea';  // a signal file: its header sits beside it
  } else if (!existsSync(path)) {
    file = ['.hea', '.edf', '.csv'].map((e) => path + e).find((p) => existsSync(p)) ?? path;
  }
  if (extname(file) !== '.hea') return [{ name: file, bytes: await readFileBounded(file) }];
  const header = { name: file, bytes: await readFileBounded(file, MAX_HEADER_BYTES, 'the limit for a WFDB header') };
  const files = [header];
  for (const { name, max_bytes: maxBytes } of ecg.wfdbCompanionLimits(header)) {
    const companion = join(dirname(file), name);
    await checkInsideFolder(companion, dirname(file));
    files.push({ name: companion, bytes: await readFileBounded(companion, maxBytes, `what ${basename(file)} declares for it`) });
  }
  return files;
}

/**
 * Reads a WFDB annotation file from disk.
 * @param {import('./ecg-screen.js').EcgScreen} ecg
 * @param {string} path  e.g. 'data/mitbih/100.atr' or 'data/ludb/1.ii'
 * @returns {Promise<import('./ecg-screen.js').AnnotationSet>}
 */
export async function readAnnotationsFromPath(ecg, path) {
  return ecg.readAnnotations({ name: basename(path), bytes: await readFileBounded(path) });
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

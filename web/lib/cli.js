#!/usr/bin/env node
// ecg-screen for Node (the npm package's `bin`): the same commands as the native tool, on the
// WebAssembly core, with several records screened in parallel on worker threads.
import { availableParallelism } from 'node:os';
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

import { loadEcgScreen } from './ecg-screen.js';
import { MAX_MODEL_BYTES, MAX_RECORD_FILE_BYTES, readFileBounded, readRecordFromPath } from './node.js';

const USAGE = `usage: ecg-screen <command> [options] <record|folder>...

commands:
  info <record>...     print a JSON summary of each record (one JSON object per line)
  screen <record>...   screen each record and print its findings as JSON (one object per line)
  quality <record>...  signal quality per lead (usable, reasons in words, usable share) as JSON, one
                       object per line; --windows adds every 2.5-s window's measurements
                       (docs/quality.md)
  eval <folder>...     screen every labelled WFDB record (*.hea with #Dx codes) under the folders and
                       print one JSON object: n_records, challenge_metric (CinC 2021), macro_f1,
                       per-class counts (tp, fp, fn, tn, f1, sensitivity, specificity), skipped
                       records, errors and records_per_s
  merge <file>...      merge the JSON results of 'eval --shard K/N' for K = 1..N into the result of
                       one unsharded eval (docs/scale-out.md)
  --version            print the version

A <record> is a WFDB header (path/to/00003_hr.hea) or its path without extension (the signal files
it names are read from the same folder), a .csv or an .edf file. A folder stands for every .hea,
.csv and .edf file inside it (recursively); for 'eval', every .hea file (only WFDB carries labels).

options:
  --jobs N       worker threads (default: the number of cores)
  --model FILE   screening model file (repeatable; default: every shipped models/*.safetensors)
  --no-model     screen with the clinical rules only
  --csv          'screen' prints CSV (a header line, then one row per record) instead of JSON
  --age YEARS, --sex female|male   patient details for 'screen' (override the record's own)
  --fs HZ        sampling rate of a CSV file without a time column
  --units mV|uV  units of a CSV file whose header does not state them
  --derive-limb-leads   add III, aVR, aVL, aVF computed from I and II when missing
  --leads 12|6|4|3|2   'eval' restricts every record to this lead set (default: all its leads)
  --threads N    'eval': the same as --jobs (as the native tool spells it)
  --record-timeout-s S   'eval': a record that takes longer than S seconds (default 300) is skipped
                 and listed in errors
  --progress     report progress on stderr (default for 'eval', and when stderr is a terminal and
                 there are many records)
  --quiet        no progress report
  --shard K/N    'screen', 'eval': only the records of shard K of N (1 <= K <= N), chosen by record
                 name (FNV-1a 64 of the file name without folder and extension, modulo N, plus 1),
                 the same on every host whatever the order of the files

Only regular files are read (no directories, devices or FIFOs); a header's signal files must be plain
names in its folder, and no file is read beyond the size its header declares.
Exit status: 0 success, 1 a record, folder or model file could not be read or screened (named on
stderr; the other records' output is kept), or eval results could not be merged (the file is named),
2 bad usage (unknown command or option, bad option value).
`;

/** One record's work: returns the line to print or throws an Error naming the record. */
async function processRecord(ecg, options, path) {
  const record = await readRecordFromPath(ecg, path, options.read);
  if (options.command === 'info') return JSON.stringify(record.info);
  if (options.command === 'quality') return JSON.stringify(ecg.quality(record, { windows: options.windows }));
  if (options.command === 'eval') return JSON.stringify(ecg.evalCase(record, { leadSet: options.leadSet ?? '' }));
  const why = options.models.length > 0 ? ecg.whyNoModel(record) : null;  // --model given: none fits is an error
  if (why) throw new Error(`${why} (--model)`);
  return options.csv ? ecg.screenCsv(record, options.patient) : JSON.stringify(ecg.screen(record, options.patient));
}

// The core with the models the options ask for.
// A model file that cannot be read or is not a valid model: exit status 1, like the native tool.
async function loadCore(options) {
  if (options.noModel || options.command === 'quality') return loadEcgScreen({ models: [] });
  if (options.models.length === 0) return loadEcgScreen();
  const models = [];
  for (const path of options.models) models.push({ name: path, bytes: await readFileBounded(path, MAX_MODEL_BYTES, 'the limit for a model file') });
  return loadEcgScreen({ models });
}

async function expand(paths, extensions, evaluating) {
  const records = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (evaluating && !info) throw new Error(`eval: ${path}: expected a folder or a WFDB header, found nothing there (does it exist?)`);
    if (info?.isDirectory()) {
      const entries = await readdir(path, { recursive: true });
      records.push(...entries.filter((e) => extensions.includes(extname(e).toLowerCase())).sort().map((e) => join(path, e)));
    } else {
      records.push(path);
    }
  }
  // eval lists like the native tool (core/cli/eval.h): every path once, sorted, so the index of a
  // record in the listing (what merge orders shards by) is the same in both tools.
  return evaluating ? [...new Set(records)].sort() : records;
}

// The same validation and messages as the native tool (core/cli/main.cpp): a value must follow its
// option, numbers are whole-string numbers, and an option another command does not know is refused.
function parseArgs(argv) {
  const command = argv[0];
  const options = { command, paths: [], jobs: availableParallelism(), patient: {}, progress: null, models: [], noModel: false, csv: false, read: {}, recordTimeoutS: 300 };
  const screens = command === 'screen' || command === 'eval';
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    const hasValue = i + 1 < argv.length;
    const known = (['--model', '--shard'].includes(arg) && screens) || (arg === '--age' && command === 'screen') ||
      (['--leads', '--threads', '--record-timeout-s'].includes(arg) && command === 'eval') ||
      ['--jobs', '--fs', '--units', '--sex', '--lead'].includes(arg);
    if (known && hasValue) {
      const value = argv[++i];
      if (arg === '--model') options.models.push(value);
      else if (arg === '--shard') options.shard = parseShard(value, command);
      else if (arg === '--age') {
        const years = value.trim() === '' ? NaN : Number(value);
        if (!(years >= 0 && years <= 150)) throw new UsageError(`--age: expected an age in years from 0 to 150, found '${value}'`);
        options.patient.age = years;
      } else if (arg === '--sex') {
        if (value !== 'female' && value !== 'male') throw new UsageError(`--sex: expected female or male, found '${value}'`);
        options.patient.sex = value;
      } else if (arg === '--fs') {
        const fs = value.trim() === '' ? NaN : Number(value);
        if (!(fs > 0)) throw new UsageError(`--fs: expected a sampling rate in Hz above 0, found '${value}'`);
        options.read.fsHz = fs;
      } else if (arg === '--units') options.read.units = value;
      else if (arg === '--lead') options.lead = value;
      else if (arg === '--leads') {
        if (!['12', '6', '4', '3', '2'].includes(value)) throw new UsageError(`eval: --leads: got '${value}', expected 12, 6, 4, 3 or 2`);
        options.leadSet = value;
      } else if (arg === '--threads') {
        const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
        if (!(n >= 1 && n <= 256)) throw new UsageError(`eval: --threads: got '${value}', expected a whole number from 1 to 256`);
        options.jobs = n;
      } else if (arg === '--record-timeout-s') {
        const t = value.trim() === '' ? NaN : Number(value);
        if (!(t > 0 && t <= 86400)) throw new UsageError(`eval: --record-timeout-s: got '${value}', expected seconds above 0 and at most 86400`);
        options.recordTimeoutS = t;
      } else if (arg === '--jobs') options.jobs = Number(value);
    } else if (arg === '--no-model' && screens) options.noModel = true;
    else if (arg === '--csv' && command === 'screen') options.csv = true;
    else if (arg === '--windows' && command === 'quality') options.windows = true;
    else if (arg === '--progress') options.progress = true;
    else if (arg === '--quiet') options.progress = false;
    else if (arg === '--derive-limb-leads') options.read.deriveLimbLeads = true;
    else if (arg.startsWith('--')) throw new UsageError(`unknown or incomplete option '${arg}'`);
    else options.paths.push(arg);
  }
  if (!Number.isInteger(options.jobs) || options.jobs < 1) throw new UsageError('--jobs expects a whole number of at least 1');
  return options;
}

class UsageError extends Error {}

// --shard K/N: the native tool's rule and message (core/screen/shard.cpp parse_shard).
const MAX_SHARDS = 1000000;
function parseShard(value, command) {
  const m = /^([0-9]{1,7})\/([0-9]{1,7})$/.exec(value);
  const k = m ? Number(m[1]) : NaN, n = m ? Number(m[2]) : NaN;
  if (!(k >= 1 && k <= n && n <= MAX_SHARDS)) {
    throw new UsageError(`${command === 'eval' ? 'eval: ' : ''}--shard: got '${value}', expected K/N with whole numbers 1 <= K <= N <= ${MAX_SHARDS} (shard K of N, counted from 1)`);
  }
  return { k, n };
}

// 'merge <file>...': the results of 'eval --shard K/N' (K = 1..N) as one unsharded eval result,
// merged by the core (ecg::screen::merge_eval_results).
async function merge(argv) {
  const paths = argv.slice(1);
  try {
    const option = paths.find((a) => a.startsWith('--'));
    if (option) throw new UsageError(`unknown or incomplete option '${option}'`);
    if (paths.length === 0) throw new UsageError("'merge' needs at least one file");
  } catch (error) {
    process.stderr.write(`ecg-screen: ${error.message}\n${USAGE}`);
    return 2;
  }
  try {
    const files = [];
    for (const path of paths) files.push({ name: path, bytes: await readFileBounded(path, MAX_RECORD_FILE_BYTES, 'the limit for an eval result') });
    const ecg = await loadEcgScreen({ models: [] });
    process.stdout.write(`${JSON.stringify(ecg.mergeEvalResults(files))}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`ecg-screen: merge: ${error.message}\n`);
    return 1;
  }
}

async function main(argv) {
  if (argv.length === 0 || argv[0] === '-h' || argv[0] === '--help') {
    (argv.length ? process.stdout : process.stderr).write(USAGE);
    return argv.length ? 0 : 2;
  }
  if (argv[0] === '--version') {
    console.log(`ecg-screen ${(await loadEcgScreen({ models: [] })).version}`);
    return 0;
  }
  if (argv[0] === 'merge') return merge(argv);
  let options;
  try {
    if (!['info', 'screen', 'eval', 'quality'].includes(argv[0])) throw new UsageError(`unknown command '${argv[0]}'`);
    options = parseArgs(argv);
    if (options.paths.length === 0) throw new UsageError(`'${options.command}' needs at least one ${options.command === 'eval' ? 'folder' : 'record'}`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`ecg-screen: ${error.message}\n${USAGE}`);
    return 2;
  }
  const evaluating = options.command === 'eval';
  let records;
  try {
    records = await expand(options.paths, evaluating ? ['.hea'] : ['.hea', '.csv', '.edf'], evaluating);
  } catch (error) {
    process.stderr.write(`ecg-screen: ${error.message}\n`);
    return 1;
  }
  if (records.length === 0) {
    process.stderr.write(evaluating ? 'ecg-screen: eval: no WFDB records (*.hea) found under the given folder(s)\n'
      : `ecg-screen: no record (.hea, .csv, .edf) found in ${options.paths.join(', ')}\n`);
    return 1;
  }
  let ecg;
  try {
    ecg = await loadCore(options);  // also validates the models before any worker starts
  } catch (error) {
    process.stderr.write(`ecg-screen: ${evaluating ? 'eval: ' : ''}${error.message}\n`);
    return 1;
  }
  // --shard: this shard's records, each with its index in the whole listing (what merge orders by).
  const listed = records;
  const listing = [];
  records = [];
  listed.forEach((path, index) => {
    if (options.shard && !ecg.inShard(path, options.shard)) return;
    records.push(path);
    listing.push(index);
  });
  if (options.command === 'screen' && options.csv) process.stdout.write(`${ecg.csvHeader}\n`);
  const started = performance.now();
  const evaluation = evaluating ? ecg.evalReport({ leadSet: options.leadSet ?? '', shard: options.shard ?? null, recordsInFolder: listed.length }) : null;
  const errors = [];
  const showProgress = options.progress ?? (evaluating || (process.stderr.isTTY && records.length >= 20));
  const progress = evaluating ? progressLines(records.length, started) : (done) => process.stderr.write(`\r${options.command}: ${done}/${records.length} records`);
  const results = new Array(records.length);
  let done = 0;
  let next = 0;  // results print (or join the evaluation) in input order once every earlier record is done
  const report = (index, result) => {
    results[index] = result;
    done++;
    while (next < records.length && results[next] !== undefined) {
      const r = results[next];
      if (r.ok && evaluation) evaluation.add(listing[next], records[next], JSON.parse(r.line));
      else if (r.ok) process.stdout.write(`${r.line}\n`);
      else {
        errors.push({ file: records[next], error: r.error });
        evaluation?.addError(listing[next], records[next], r.error);
        process.stderr.write(`ecg-screen: ${records[next]}: ${r.error}\n`);
      }
      results[next++] = null;
    }
    if (showProgress) progress(done);
  };
  const jobs = Math.min(options.jobs, records.length);
  if (jobs === 1 && !evaluating) {  // eval always runs on workers: a worker can be stopped at the time limit
    for (let i = 0; i < records.length; i++) {
      try {
        report(i, { ok: true, line: await processRecord(ecg, options, records[i]) });
      } catch (error) {
        report(i, { ok: false, error: error.message });
      }
    }
  } else if (records.length > 0) {  // a shard may have no records: its (empty) eval result still prints
    await runOnWorkers(jobs, records, options, report);
  }
  if (showProgress && !evaluating) process.stderr.write('\n');
  if (evaluation) {
    const elapsed = (performance.now() - started) / 1000;
    const result = evaluation.result({ threads: jobs, elapsedS: elapsed });
    evaluation.delete();
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
  return errors.length ? 1 : 0;
}

// 'eval' progress: a line on stderr about every 2 s with the rate and the time left.
function progressLines(total, started) {
  let last = started;
  return (done) => {
    const now = performance.now();
    if (now - last < 2000 || done === total) return;
    last = now;
    const rate = done / ((now - started) / 1000);
    process.stderr.write(`eval: ${done}/${total} records, ${rate.toFixed(1)} records/s, about ${Math.round((total - done) / rate)} s left\n`);
  };
}

// Each worker thread loads its own core and takes the next record when it is free. For 'eval', a
// record still running after --record-timeout-s is reported as an error and its worker replaced.
function runOnWorkers(jobs, records, options, report) {
  return new Promise((resolve, reject) => {
    let handedOut = 0;
    let finished = 0;
    const limitMs = options.command === 'eval' ? options.recordTimeoutS * 1000 : 0;
    const complete = (index, result) => {
      report(index, result);
      if (++finished === records.length) resolve();
    };
    const give = (worker) => {
      if (handedOut >= records.length) return worker.terminate();
      const index = handedOut++;
      worker.postMessage({ index, path: records[index] });
    };
    // The clock starts when the worker starts the record (its core may still be loading before).
    const watch = (worker, index) => {
      worker.timer = setTimeout(() => {
        worker.timedOut = true;
        worker.terminate();
        complete(index, { ok: false, error: `took longer than ${options.recordTimeoutS} s (--record-timeout-s): skipped` });
        if (handedOut < records.length) start();
      }, limitMs);
    };
    const start = () => {
      const worker = new Worker(new URL(import.meta.url), { workerData: options });
      worker.on('message', ({ index, started, ok, line, error }) => {
        if (worker.timedOut) return;  // already reported as timed out
        if (started) return limitMs ? watch(worker, index) : undefined;
        clearTimeout(worker.timer);
        complete(index, { ok, line, error });
        give(worker);
      });
      worker.on('error', (error) => { if (!worker.timedOut) reject(error); });
      worker.once('online', () => give(worker));
    };
    for (let j = 0; j < jobs; j++) start();
  });
}

if (isMainThread) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error) => {
    process.stderr.write(`ecg-screen: internal error: ${error.stack ?? error}\n`);
    process.exitCode = 1;
  });
} else {
  const ecg = await loadCore(workerData);
  parentPort.on('message', async ({ index, path }) => {
    parentPort.postMessage({ index, started: true });
    try {
      parentPort.postMessage({ index, ok: true, line: await processRecord(ecg, workerData, path) });
    } catch (error) {
      parentPort.postMessage({ index, ok: false, error: error.message });
    }
  });
}

// An example consumer of the npm package, type-checked with `tsc --noEmit -p tests/types` (in the
// repository: 'ecg-screen' resolves to this package through its "exports"; tests/js/package.test.mjs
// checks it again against the packed and installed tarball). Not run: it shows and pins the types.
// The @ts-expect-error lines fail the check if the declarations become too loose (e.g. `any`).
import { loadEcgScreen, type EcgRecord, type EcgScreen, type Findings, type NamedBytes } from 'ecg-screen';
import { loadRecordFiles, readRecordFromPath } from 'ecg-screen/node';
import type { EcgScreenElement } from 'ecg-screen/element';

const ecg: EcgScreen = await loadEcgScreen();
const rulesOnly: EcgScreen = await loadEcgScreen({ models: [] });

const record: EcgRecord = await readRecordFromPath(ecg, 'tests/fixtures/wfdb/00003_hr');
const files: NamedBytes[] = await loadRecordFiles(ecg, 'tests/fixtures/wfdb/00003_hr');
const again: EcgRecord = ecg.readRecord(files);
const csv: EcgRecord = ecg.readRecord([{ name: 'a.csv', bytes: new Uint8Array(8) }], { fsHz: 500, units: 'uV' });

const findings: Findings = ecg.screen(record, { age: 37, sex: 'female' });
const heartRate: number | null = findings.heart_rate_bpm;
const modelName: string | undefined = findings.model?.name;
const positive: string[] = findings.classes.filter((c) => c.decision).map((c) => `${c.abbr} (${c.source})`);
const leadII: Float32Array = again.lead('II');
const fsHz: number = csv.fsHz + rulesOnly.screen(record).duration_s;
console.log(heartRate, modelName, positive, leadII.length, fsHz, ecg.version);

// @ts-expect-error: sex is 'female' | 'male' | 'unknown'
ecg.screen(record, { sex: 'f' });
// @ts-expect-error: readRecord takes named bytes, not a path
ecg.readRecord('tests/fixtures/wfdb/00003_hr');
// @ts-expect-error: the heart rate may be null (not assessable)
const notNull: number = findings.heart_rate_bpm;
console.log(notNull);

// The custom element, typed through HTMLElementTagNameMap once 'ecg-screen/element' is imported.
async function embed(element: EcgScreenElement, input: HTMLInputElement, signal: AbortSignal): Promise<number | null> {
  const fromQuery: EcgScreenElement | null = document.querySelector('ecg-screen');
  fromQuery?.addEventListener('ecg-findings', (event) => console.log(event.detail.record));
  const result: Findings = await element.screenFiles(input.files ?? [], { signal });
  // @ts-expect-error: screenFiles resolves to Findings, not a string
  const wrong: string = await element.screenFiles([]);
  console.log(wrong);
  return result.heart_rate_bpm;
}
console.log(embed);

#!/usr/bin/env bash
# Regenerates docs/rpeaks.md, docs/delineation.md, docs/rules.md and docs/beats.md from the benchmark commands.
#   bash tools/bench/docs.sh [rpeaks] [delineation] [rules] [beats]     (default: all four)
# Needs build/native (tools/build.sh native) and the datasets unpacked in $ECG_DATA (default
# ~/.cache/ecg-data; ../shared/data/unpack.sh). Every number in those pages comes from here.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
DATA="${ECG_DATA:-$HOME/.cache/ecg-data}"
BENCH=build/native/ecg-bench
[ -x "$BENCH" ] || { echo "docs.sh: $BENCH missing: run tools/build.sh native" >&2; exit 2; }
what=("$@"); [ ${#what[@]} -gt 0 ] || what=(rpeaks delineation rules beats)
commit="$(git rev-parse --short HEAD)$(git diff --quiet -- core tools || echo '+local changes')"

for w in "${what[@]}"; do
case "$w" in
rpeaks)
  mit=$(ls "$DATA"/mitbih/*.hea | sort)
  ludb=$(ls "$DATA"/ludb/data/*.hea | sort -V)
  {
    cat <<'MD'
# R-peak detection: measured against reference annotations

Detector: `ecg::dsp::detect_rpeaks` (core/dsp/rpeaks.cpp) — zero-phase FIR band-pass 5–20 Hz, squared
slope, 120 ms centred moving-window integration, Pan–Tompkins-style adaptive signal/noise levels with
T-wave rejection (a candidate within 360 ms of a beat with less than half its slope) and search-back
(after 1.66 × the mean of the last 8 RR intervals, the largest peak above half the threshold), the R
wave placed on the most prominent sample within ±75 ms; leads are processed in 60 s windows (8 s
lead-in, 2 s lead-out) so memory stays bounded for hours-long records. Multi-lead records: every usable
lead (not flat, not clipped) is detected alone and a beat is kept where at least half of them agree
within 100 ms.

Scoring (EC57-style beat-by-beat): each reference beat takes the nearest unused detection within
±150 ms (one-to-one); unmatched references are FN, unmatched detections FP. Se = TP/(TP+FN),
+P = TP/(TP+FP). Reference beats are the MIT beat symbols (N L R a V F J A S E j / Q B ? e n f r);
stretches of ventricular flutter between `[` and `]` (record 207) are not scored; the whole record is
scored (no 5-minute learning period is excluded). First channel of each record (MLII, except 102 and
104 whose first channel is V5), native 360 Hz, format 212 and `.atr` read by the core readers.
Anchors: Pan–Tompkins (1985) 99.3 % / 99.5 %; the best published detectors about 99.8 %.
MD
    echo; echo "Produced at commit \`$commit\` by \`bash tools/bench/docs.sh rpeaks\`, i.e."; echo
    echo '```'; echo "build/native/ecg-bench rpeaks \$ECG_DATA/mitbih/*.hea"; echo '```'; echo
    echo "## MIT-BIH Arrhythmia Database (48 records, first channel, 150 ms window)"; echo
    "$BENCH" rpeaks $mit
    echo; echo "## LUDB (lead II, QRS annotations of lead II)"; echo
    echo "Only the annotated span of each record (first to last annotation of lead II) is scored: LUDB leaves the first and last beats unannotated."
    echo; echo '```'; echo "build/native/ecg-bench delineation --lead II --ext ii \$ECG_DATA/ludb/data/*.hea   # first line"; echo '```'; echo
    "$BENCH" delineation --lead II --ext ii $ludb | head -1
    echo; echo "## CinC 2017 (single lead, 300 Hz, AliveCor): share of records with a plausible heart rate"; echo
    echo "No beat annotations exist; a record counts as plausible when the detector finds at least 3 beats and a median-RR heart rate between 30 and 220 bpm. Classes from REFERENCE.csv (v3 labels): N normal, A AF, O other rhythm, ~ noisy."
    echo; echo '```'; echo "build/native/ecg-bench hr --reference \$ECG_DATA/cinc2017/training2017/REFERENCE.csv"; echo '```'; echo
    "$BENCH" hr --reference "$DATA"/cinc2017/training2017/REFERENCE.csv
  } > docs/rpeaks.md
  echo "wrote docs/rpeaks.md" ;;
delineation)
  ludb=$(ls "$DATA"/ludb/data/*.hea | sort -V)
  {
    cat <<'MD'
# Delineation: boundary errors against LUDB

Delineator: `ecg::dsp::delineate` (core/dsp/delineate.cpp). Per lead: baseline removed by 200 ms then
600 ms running medians, 40 Hz zero-phase low-pass; QRS onset/offset where the 10 ms-smoothed slope
falls below 10 % of the QRS's steepest slope (walking out from the steepest up- and down-strokes,
dips of ≤ 16/24 ms tolerated); P wave = largest deflection from the median level 30–300 ms before the
QRS onset (after the previous T wave), ≥ 0.03 mV, its onset/offset where the slope falls below 25 % of
the P wave's steepest slope; T wave = largest deflection from QRS offset + 60 ms to 70 % of the way to
the next R, T offset by the tangent at the steepest descent after the T peak meeting the isoelectric
level. Multi-lead: median over the usable leads (QRS duration uses the 25th percentile of onsets and
75th of offsets).

Evaluation: LUDB (160 dev records, 500 Hz), **single-lead delineation of lead II against the lead II
annotations** (`.ii`), with R-peaks detected on lead II. A reference beat is paired with the detected
beat whose R is within 150 ms; error = detected − reference (ms) for every reference boundary that has
a detected counterpart; "found" = share of reference boundaries with one. False P waves (a P found
where LUDB marks none, e.g. in AF) are not counted here. Annotations read by the core reader.
MD
    echo; echo "Produced at commit \`$commit\` by \`bash tools/bench/docs.sh delineation\`, i.e."; echo
    echo '```'; echo "build/native/ecg-bench delineation --lead II --ext ii \$ECG_DATA/ludb/data/*.hea"; echo '```'; echo
    "$BENCH" delineation --lead II --ext ii $ludb
  } > docs/delineation.md
  echo "wrote docs/delineation.md" ;;
rules)
  labels=build/rules-labels.csv
  /usr/bin/python3 -m tools.bench.rules_labels > "$labels"
  {
    cat <<'MD'
# Clinical rules: confusion matrices on the labelled 12-lead data

Each rule (`ecg::rules`, core/rules/rules.cpp; `ecg-screen rules <record>` prints decision, exact
criterion and evidence) is compared with the record's labels. Data: every labelled 12-lead record in
`../shared/data` — `cinc` (CinC 2020/2021 SNOMED `#Dx`, CPSC abbreviations mapped), `ptbxl` (SCP
statements and `heart_axis`) and `ludb` (`ludb.csv` texts) — mapped to SNOMED CT by
`tools/train/labels.py` (the mapping and its evidence: [docs/labels.md](labels.md)), de-duplicated by
`tools/train/data.py build_pool()` (a PTB-XL ECG present in both `cinc` and `ptbxl` counts once).
`ptbxl-processed` is left out: its amplitudes are z-scored. The label list is written by
`tools/bench/rules_labels.py`; records without any scored label are kept (they are negatives).

A record is label-positive for a rule when it has any code of the rule's label set. Decisions
"not assessable" (missing or unusable leads, no P waves, ...) are left out of TP/FP/TN/FN and counted
in the last column. Se = TP/(TP+FN), Sp = TN/(TN+FP).

Caveats that shape these numbers (read before comparing):
- **LUDB amplitudes are not millivolts**: in the copy here every lead spans exactly 1.0 "mV" (each
  header gain equals the lead's range), so the core flags such records ("amplitudes normalised per
  lead") and LAD, RAD and LQRSV are not assessable on LUDB.
- **PTB-XL `heart_axis=LAD` is not "axis < −30°"**: docs/labels.md maps it to LAD (its count equals
  CinC's), yet PTB-XL also has `ALAD` (abnormal left axis deviation), which is not mapped; many
  `LAD` records measure between 0° and −30° with our rule (see the `qrs_axis_deg` evidence of
  `ecg-screen rules`). Our LAD rule keeps the clinical definition (< −30°), which costs sensitivity
  against PTB-XL's `LAD` label.
- Brady vs SB: CinC uses two classes; the Brady rule (any rhythm < 60 bpm) is scored against
  Brady ∪ SB. Many records with a rate below 60 bpm carry neither label (FP here).
- QRS120 and IrregularRR are hints scored against bundle-branch-block classes and AF.

Kang & Wen (DeepPSP/cinc2021) Table 4 layout: one row per rule class with TP, FP, TN, FN, Se, Sp. Their
numbers are **not** reproduced here: `../shared/reference/FACTS.md` §3.4 describes their detectors but
does not contain Table 4, and no copy of it was available offline, so the "Kang & Wen" column below is
left empty rather than filled from memory. Their axis detector has a bug (FACTS.md §3.4) that this
implementation does not copy (the axis comes from net QRS areas in I and aVF/II).
MD
    echo; echo "Produced at commit \`$commit\` by \`bash tools/bench/docs.sh rules\`, i.e."; echo
    echo '```'; echo "/usr/bin/python3 -m tools.bench.rules_labels > build/rules-labels.csv"
    echo "build/native/ecg-bench rules --labels build/rules-labels.csv"; echo '```'; echo
    echo "## Beside Kang & Wen Table 4 (all datasets)"; echo
    echo "| class | ours TP / FP / TN / FN | ours Se (%) | ours Sp (%) | Kang & Wen Table 4 Se / Sp |"
    echo "|---|---|---|---|---|"
    "$BENCH" rules --labels "$labels" > build/rules-eval.md
    awk -F'|' '/^### All datasets/{on=1;next} /^### /{on=0} on && $2 ~ /^ (Brady|LAD|RAD|LQRSV|PR) $/ {gsub(/ /,"",$2); printf "| %s | %s / %s / %s / %s | %s | %s | not available offline |\n", $2,$5,$6,$7,$8,$9,$10}' build/rules-eval.md
    echo; echo "## Full confusion matrices"; echo
    cat build/rules-eval.md
  } > docs/rules.md
  echo "wrote docs/rules.md" ;;
beats)
  ds1="101 106 108 109 112 114 115 116 118 119 122 124 201 203 205 207 208 209 215 220 223 230"
  ds2="100 103 105 111 113 117 121 123 200 202 210 212 213 214 219 221 222 228 231 232 233 234"
  ds1_files=$(for r in $ds1; do echo "$DATA/mitbih/$r.hea"; done)
  ds2_files=$(for r in $ds2; do echo "$DATA/mitbih/$r.hea"; done)
  cpsc=$(ls "$DATA"/cpsc2021/*.hea "$DATA"/extra/cpsc2021-extra/*.hea | sort -V)
  labels=build/rules-labels.csv
  [ -s "$labels" ] || /usr/bin/python3 -m tools.bench.rules_labels > "$labels"
  # The fitted table must be reproducible from DS1 alone: refit and compare with the committed one.
  "$BENCH" beats --dump build/beats-ds1.csv $ds1_files > build/beats-ds1.md
  /usr/bin/python3 tools/train/fit_beats.py build/beats-ds1.csv > build/beats_model.inc
  if cmp -s build/beats_model.inc core/dsp/beats_model.inc; then refit="identical to"; else refit="**differs from**"; fi
  {
    cat <<'MD'
# Beat classes (N / S / V / F / Q) and the PAC / PVC findings

Every detected beat gets an AAMI EC57 class — **N** normal and bundle-branch (MIT N L R e j B),
**S** supraventricular ectopic (A a J S n), **V** ventricular ectopic (V E r), **F** fusion (F),
**Q** unclassifiable (/ f Q ?) — with its evidence (`findings.beats[]`: `t_s`, `sample`, `class`,
`evidence`). Code: `ecg::beats::classify_beats` (core/dsp/beats.cpp, header core/include/ecg/beats.h).

## Method

On one lead (II when usable, else the first usable lead; MIT-BIH: MLII), baseline removed by 200 ms +
600 ms running medians and low-passed at 40 Hz:

- **Prematurity**: RR before and after the beat over the *local RR* (median of the 20 RR intervals
  around it), the RR before over the RR before that, the RR intervals themselves (s), the RR before
  over the ~5-minute average RR (median of the 300 intervals around it), and the local
  *irregularity* (median |successive RR difference| / local RR: high in AF, where early beats are
  not S; low around isolated ectopics).
- **Shape against the dominant beat**: the record is cut in blocks of 64 beats; in each, the beat
  with the most alike beats (correlation ≥ 0.9 at the best lag within ±20 ms; premature beats count
  0.3, others 1, so bigeminy picks the normal beats) defines the cluster whose sample-wise median is
  the dominant QRS (R − 100 … R + 120 ms) and pre-QRS segment (R − 300 … R − 100 ms). Per beat: best
  correlation with the dominant QRS, RMS residual / dominant RMS, QRS peak-to-peak over the
  dominant's, QRS width (walk out from the steepest slope while the smoothed |slope| stays above
  15 % of its peak) over the dominant's median width, correlation of the pre-QRS segment (P wave,
  T-on-P) with the dominant's.
- **P wave**: whether `dsp::delineate` found a P wave before the QRS.
- **Classifier**: a multinomial logistic regression (N, S, V, F) on these 16 features standardised
  and expanded with all their pairwise products (152 inputs, quadratic boundaries), class-weighted
  ((n_N / n_c)^0.5), L2 0.01, fitted by `tools/train/fit_beats.py` on **MIT-BIH DS1 only** (de Chazal
  et al. 2004 inter-patient split: DS1 = 101 106 108 109 112 114 115 116 118 119 122 124 201 203 205
  207 208 209 215 220 223 230; DS2 = 100 103 105 111 113 117 121 123 200 202 210 212 213 214 219 221
  222 228 231 232 233 234; paced 102 104 107 217 in neither). The offsets added to the S and V
  biases were chosen by leave-records-out cross-validation inside DS1 (6 folds of whole records;
  maximising F1(S) + F1(V) out of fold). The table (`core/dsp/beats_model.inc`, its header says the
  out-of-fold DS1 numbers) is C++ constants written by that script; no DS2 beat was used to fit or
  choose anything. Beats whose QRS window leaves the record, and every beat of a flat or clipped
  lead, are Q.

**Scoring** (EC57-style, on *detected* beats): `dsp::detect_rpeaks` on the lead; each reference beat
takes the nearest unused detection within 150 ms; unmatched reference beats count as missed (they
lower Se), detections without a reference beat count against +P of the class they were called.
Se = called-correctly / reference beats of the class; +P = called-correctly / all detections called
that class. Ventricular flutter episodes ('[' … ']', record 207) are not scored; the whole record is
scored (no 5-minute learning period excluded). Anchors: de Chazal et al. 2004 S 76 % / 39 %,
V 78 % / 82 %; the best published deep models about S 89 % / 93 %, V 99.9 % / 99.5 % (Mousavi &
Afghah 2019). Goal here: V Se and +P ≥ 95 %, S Se ≥ 80 %, +P ≥ 70 %.

**PAC / PVC findings** (`ecg::beats::ectopy_rules`, core/rules/ectopy.cpp): per class (S → PAC
284470004, equivalent SVPB 63593006; V → PVC 427172004, equivalent VPB 17338001, as in the CinC 2021
weights.csv) the count, rate per minute, times, couplets, runs of ≥ 3, longest run and beats in
bigeminy / trigeminy (≥ 3 cycles of N-E, resp. N-N-E) are the evidence; the rule is positive with
≥ `kMinEctopicBeats` ectopic beats of its class (not assessable with fewer than 4 classified beats).
`screen` adds both rules to the rule report, so the existing merge makes them the decision of
their class whenever they can assess it (`source` "rule" or "both"). The threshold table in the
last section shows k = 1, 2, 3, 5 on the dev labels.

**Threshold choice** (dev labels, not MIT-BIH): k = 1 ectopic beat in the record, the k with the
highest Se + Sp over all dev records for both classes in the sweep below (for k = 2 the sensitivity
falls by more than half while the specificity gains 3-5 points). The share criterion is 0 (unused).

**History, for honesty about the held-out set.** DS2 was scored twice. A first feature set (mean
local RR, no irregularity, absolute or 5-minute RR; commit 8ec2167) gave on DS2 S Se 8.1 % / +P
25.9 %, V 88.2 % / 88.6 %. The committed set (median local RR, irregularity, absolute RR, 5-minute
RR) was adopted because its DS1 out-of-fold F1(S) + F1(V) was higher (1.374 against 1.354), the
criterion fixed before either was run on DS2; its DS2 numbers are below and are not better. Nothing
was changed after seeing them.

**What fails.** S beats are mostly missed on DS2: record 232 holds 1,382 of its 1,837 S beats, and
there the atrial premature beats outnumber the sinus beats, so against the record's own RR and
dominant beat they look normal; S +P is lowered by normal beats in irregular rhythms called S. The
goals (V ≥ 95 % / 95 %, S ≥ 80 % / 70 %) are **not met**; V is above de Chazal's anchor, S below it.
MD
    echo; echo "Produced at commit \`$commit\` by \`bash tools/bench/docs.sh beats\`, i.e."; echo
    echo '```'
    echo "build/native/ecg-bench beats --dump build/beats-ds1.csv \$ECG_DATA/mitbih/{${ds1// /,}}.hea   # DS1: features for the fit"
    echo "/usr/bin/python3 tools/train/fit_beats.py build/beats-ds1.csv > core/dsp/beats_model.inc"
    echo "build/native/ecg-bench beats \$ECG_DATA/mitbih/{${ds2// /,}}.hea                                # DS2: the held-out test"
    echo "build/native/ecg-bench beats --lead II \$ECG_DATA/cpsc2021/*.hea \$ECG_DATA/extra/cpsc2021-extra/*.hea"
    echo "build/native/ecg-bench beats --labels build/rules-labels.csv                                  # PAC / PVC on the 12-lead dev labels"
    echo '```'; echo
    echo "Refitting on DS1 in this run gave a table $refit the committed \`core/dsp/beats_model.inc\`."
    echo; echo "## MIT-BIH DS2 (held out: never used for fitting or choosing anything), lead MLII, detected beats"; echo
    "$BENCH" beats $ds2_files
    echo; echo "## MIT-BIH DS1 (the fitting set: in-sample, for comparison only)"; echo
    cat build/beats-ds1.md
    echo; echo "## CPSC 2021 beat annotations (lead II, 200 Hz; 18 + 5 records; N, A, a and V beats annotated)"; echo
    echo "Not used for fitting or choosing anything. AF episodes are scored as annotated (their beats are N)."; echo
    "$BENCH" beats --lead II $cpsc
    echo; echo "## PAC and PVC decisions on the labelled 12-lead dev records, beside the model"; echo
    echo "Each record screened as \`ecg-screen\` does (shipped models, rules, merge); label-positive = any code of PAC (284470004) or SVPB (63593006), resp. PVC (427172004) or VPB (17338001), from tools/bench/rules_labels.py (docs/labels.md). LUDB's PVC records are the LUDB rows of the PVC list at the end."; echo
    "$BENCH" beats --labels "$labels"
  } > docs/beats.md
  echo "wrote docs/beats.md" ;;
*) echo "docs.sh: unknown page '$w' (rpeaks, delineation, rules, beats)" >&2; exit 2 ;;
esac
done

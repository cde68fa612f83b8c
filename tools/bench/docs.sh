#!/usr/bin/env bash
# Regenerates docs/rpeaks.md, docs/delineation.md and docs/rules.md from the benchmark commands.
#   bash tools/bench/docs.sh [rpeaks] [delineation] [rules]     (default: all three)
# Needs build/native (tools/build.sh native) and the datasets unpacked in $ECG_DATA (default
# ~/.cache/ecg-data; ../shared/data/unpack.sh). Every number in those pages comes from here.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
DATA="${ECG_DATA:-$HOME/.cache/ecg-data}"
BENCH=build/native/ecg-bench
[ -x "$BENCH" ] || { echo "docs.sh: $BENCH missing: run tools/build.sh native" >&2; exit 2; }
what=("$@"); [ ${#what[@]} -gt 0 ] || what=(rpeaks delineation rules)
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
  "$BENCH" rules --labels "$labels" --dump build/rules-dump.csv > build/rules-eval.md
  "$BENCH" af --reference "$DATA"/cinc2017/training2017/REFERENCE.csv \
    --cpsc $(ls "$DATA"/cpsc2021/*.hea "$DATA"/extra/cpsc2021-extra/*.hea) > build/rules-af.md
  "$BENCH" merge --labels "$labels" --folds tools/train/folds.json --fold 0 > build/rules-merge-f0.md
  "$BENCH" merge --labels "$labels" --folds tools/train/folds.json --fold 1 > build/rules-merge-f1.md
  {
    cat docs/rules.intro.md
    echo; echo "Produced at commit \`$commit\` by \`bash tools/bench/docs.sh rules\`, i.e."; echo
    echo '```'
    echo "/usr/bin/python3 -m tools.bench.rules_labels > build/rules-labels.csv"
    echo "build/native/ecg-bench rules --labels build/rules-labels.csv --dump build/rules-dump.csv"
    echo "/usr/bin/python3 -m tools.bench.rules_evidence build/rules-dump.csv sb   # also: axis, qt"
    echo "build/native/ecg-bench af --reference \$ECG_DATA/cinc2017/training2017/REFERENCE.csv --cpsc \$ECG_DATA/cpsc2021/*.hea \$ECG_DATA/extra/cpsc2021-extra/*.hea"
    echo "build/native/ecg-bench merge --labels build/rules-labels.csv --folds tools/train/folds.json --fold 0   # and --fold 1"
    echo '```'
    echo; echo "## Evidence for the SB threshold: SB labels by measured heart rate"; echo
    /usr/bin/python3 -m tools.bench.rules_evidence build/rules-dump.csv sb
    echo; echo "## Evidence for the axis labels: measured frontal axis by PTB-XL \`heart_axis\`"; echo
    /usr/bin/python3 -m tools.bench.rules_evidence build/rules-dump.csv axis
    echo; echo "## LQT: positives, unlabelled positives above 90 bpm, and records not assessed"; echo
    /usr/bin/python3 -m tools.bench.rules_evidence build/rules-dump.csv qt
    echo; echo "## AF (IrregularRR) alone: CinC 2017 split by record, and CPSC 2021 windows"; echo
    cat build/rules-af.md
    echo; echo "## Merge policy: challenge metric of model alone, rules, and each class decided each way"; echo
    echo "Model: models/mobilenet1d-12 (shipped fold-0 model). Test fold 0 (the model never trained on it; the policy was chosen here):"; echo
    cat build/rules-merge-f0.md
    echo; echo "Confirmation on fold 1 (the model's validation fold: not trained on, used for its thresholds; not used to choose the policy):"; echo
    cat build/rules-merge-f1.md
    echo; echo "## Full confusion matrices of every rule"; echo
    cat build/rules-eval.md
  } > docs/rules.md
  echo "wrote docs/rules.md" ;;
*) echo "docs.sh: unknown page '$w' (rpeaks, delineation, rules)" >&2; exit 2 ;;
esac
done

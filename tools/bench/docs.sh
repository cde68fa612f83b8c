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
  c21=$(ls "$DATA"/cpsc2021/*.hea "$DATA"/extra/cpsc2021-extra/*.hea)
  # held out from the learned detector: CPSC 2021 odd patient ids, LUDB even record numbers
  c21odd=$(for f in $c21; do p=$(basename "$f" .hea | cut -d_ -f2); if [ $((p % 2)) -eq 1 ]; then echo "$f"; fi; done)
  ludbeven=$(for f in $ludb; do n=$(basename "$f" .hea); if [ $((n % 2)) -eq 0 ]; then echo "$f"; fi; done)
  ds2=""; for r in 100 103 105 111 113 117 121 123 200 202 210 212 213 214 219 221 222 228 231 232 233 234; do ds2="$ds2 $DATA/mitbih/$r.hea"; done
  {
    cat <<'MD'
# R-peak detection: measured against reference annotations

Detector: `ecg::dsp::detect_rpeaks` (core/dsp/rpeaks.cpp). Since issue #13 it is **learned** by
default: `dsp::LearnedQrs` runs the model file `models/qrs-1.safetensors` (task `qrs`, compiled into
the core, run by our nn engine; model card `models/qrs-1.md`) on each lead:
1. The lead is resampled to 100 Hz (polyphase), band-passed 0.5–40 Hz (FIR, 201 taps) and divided by
   the median peak-to-peak range of its 1-s blocks (`block_range_per_lead`: artefact spikes do not
   shrink the beats, as a z-score would).
2. A fully convolutional network (a k9 stem and five residual blocks of two dilated k5 convolutions,
   dilations 1–16, 16 channels, 13.5 K parameters; receptive field 2.6 s) gives each sample the
   probability that an R peak lies within ±40 ms. Trained by `tools/train/qrs.py` on MIT-BIH DS1,
   CPSC 2021 patients with an even id and LUDB odd records, with heart-rate stretching, polarity
   flips, P/T-like bumps and synthetic baseline wander, muscle and motion noise, rail spikes and
   clipping at −6 … 24 dB.
3. Each run of samples with probability ≥ 0.5 is one QRS at its probability-weighted centre; of two
   closer than 250 ms the more probable stays. A flat lead (1-s ranges below 1 µV) has no QRS.
4. The R wave is placed on the most prominent sample of the despiked 5–25 Hz QRS band within ±50 ms.
   Leads are processed in 60 s windows (8 s lead-in, 2 s lead-out): memory stays bounded.

The **classical** detector (`QrsDetector::classical`; `ecg-bench --detector classical`) stays as the
fallback and cross-check; its summary rows are below the learned ones:
1. **Despike**: a run of one or two samples more than 4 × the lead's robust range (1st–99th
   percentile) away from the line between its neighbours (an ADC glitch to the rail) is replaced by
   that line.
2. Zero-phase FIR band-pass **5–25 Hz**, slope, and a **robust local scale**: the largest slope of
   each 1-s block, median over the 9 blocks around it; slopes are limited to 3 × that scale before
   squaring. 120 ms centred moving-window integration (MWI).
3. Pan–Tompkins-style decision on the MWI peaks (candidates ≥ 200 ms apart): threshold
   noise + 0.2 × (signal − noise) level; T-wave rejection (within 360 ms of a beat with less than half
   its slope); search-back after 1.5 × the mean of the last 8 RR intervals.
4. Two artefact checks against the chunk's median beat and median RR (a detection that splits an
   ordinary RR and does not look like the beats; small, early, unlike detections in noisy stretches).
5. The R wave is placed on the most prominent sample within ±75 ms; 60 s windows as above.

Multi-lead records (`detect_rpeaks(Record)`): every usable lead (not flat, not clipped) is detected
alone; detections within 100 ms are grouped. A lead's vote weighs, per 10-s stretch, the share of its
detections that a majority of leads confirms (+1 smoothing), so a lead full of artefacts counts little
where it is noisy; a group is kept when its weights reach half of the stretch's total (equal weights:
at least half of the leads). A gap longer than 1.5 median RR is filled with the out-voted group
nearest its middle (with two leads a beat seen by one lead is a tie).

**What was tuned on what (held-out discipline).** The learned detector never saw (for training or
any choice) MIT-BIH DS2 (100 103 105 111 113 117 121 123 200 202 210 212 213 214 219 221 222 228 231
232 233 234) or the paced records (102 104 107 217), CPSC 2021 patients with an odd id (21, 25, 35,
101), LUDB even-numbered records, or `cpsc2019`. The rows marked **held out** are on those records
only. One design change was made after looking at held-out results: the first trained model (without
LUDB and without P/T-like bumps) was scored on DS2 once and took the non-conducted P waves of 231 and
the P waves in the pauses of 232 for beats (328 and 135 false detections); LUDB odd records and the
bump augmentation were added and the model retrained with the schedule unchanged. `cpsc2019` was
scored for the first model and the final one, and nothing was chosen on it. In issue #13.1 its
failing records were studied (the diagnosis in the cpsc2019 section) and fine-tuning qrs-1 with
cpsc2019 was cross-validated on it record-wise; neither recipe was shipped, so qrs-1 has still never
been trained on cpsc2019, but cpsc2019 is no longer an unexamined test set. The whole-database
MIT-BIH row mixes DS1 (trained) and DS2 (held out). The classical detector's thresholds were chosen
on MIT-BIH, CPSC 2021 and LUDB (its noise rules on DS1 with noise), so only its `cpsc2019` and DS2
noise rows are held out for it.

Scoring (EC57-style beat-by-beat, MIT-BIH, CPSC 2021, noise): each reference beat takes the nearest
unused detection within ±150 ms (one-to-one); unmatched references are FN, unmatched detections FP.
Se = TP/(TP+FN), +P = TP/(TP+FP). Reference beats are the MIT beat symbols (N L R a V F J A S E j / Q
B ? e n f r); stretches of ventricular flutter between `[` and `]` (record 207) are not scored; the
whole record is scored (no 5-minute learning period is excluded). MIT-BIH: first channel of each
record (MLII, except 102 and 104 whose first channel is V5), native 360 Hz, format 212 and `.atr`
read by the core readers. Anchors: Pan–Tompkins (1985) 99.3 % / 99.5 %; the best published detectors
about 99.8 %.
MD
    echo; echo "Produced at commit \`$commit\` by \`bash tools/bench/docs.sh rpeaks\` (every command is printed above its table)."; echo
    echo "## Summary"; echo
    echo "| data set | leads | Se (%) | +P (%) | goal |"; echo "|---|---|---|---|---|"
    "$BENCH" rpeaks $mit > build/rpeaks-mit.md
    "$BENCH" rpeaks $ds2 > build/rpeaks-ds2.md
    for l in 0 1 all; do
      "$BENCH" rpeaks --lead $l $c21 > build/rpeaks-c21-$l.md
      "$BENCH" rpeaks --lead $l $c21odd > build/rpeaks-c21odd-$l.md
    done
    "$BENCH" delineation --lead II --ext ii $ludb | head -2 > build/rpeaks-ludb.txt
    "$BENCH" delineation --lead II --ext ii $ludbeven | head -2 > build/rpeaks-ludbeven.txt
    "$BENCH" cpsc2019 --per-record "$DATA"/cpsc2019 > build/rpeaks-cpsc2019.md
    "$BENCH" noise --seconds 300 $ds2 > build/rpeaks-noise.md
    "$BENCH" --detector classical rpeaks $mit > build/rpeaks-mit-classical.md
    "$BENCH" --detector classical rpeaks $ds2 > build/rpeaks-ds2-classical.md
    "$BENCH" --detector classical rpeaks --lead all $c21odd > build/rpeaks-c21odd-all-classical.md
    "$BENCH" --detector classical cpsc2019 --per-record "$DATA"/cpsc2019 > build/rpeaks-cpsc2019-classical.md
    "$BENCH" --detector classical noise --seconds 300 $ds2 > build/rpeaks-noise-classical.md
    row() { awk -F'|' -v n="$1" -v l="$2" -v g="$3" '/gross/ {gsub(/ /,"",$9); gsub(/ /,"",$10); print "| " n " | " l " | " $9 " | " $10 " | " g " |"}' "$4"; }
    ludbrow() { awk -v n="$1" -v g="≥ 99.9 / 99.9" 'NR==1 {print "| " n " | II | " $(NF-4) " | " $(NF-1) " | " g " |"} NR==2 {print "| " n " | 12, fused | " $(NF-4) " | " $(NF-1) " | " g " |"}' "$2"; }
    c19row() { awk -F'|' -v n="$1" '/^\| 49 / {gsub(/ /,"",$3); gsub(/ /,"",$9); gsub(/ /,"",$10); print "| " n " | single | " $9 " | " $10 " (QRSacc " $3 ") | ≥ 99 / 99, QRSacc ≥ 0.93 |"}' "$2"; }
    noiserow() { awk -F'|' -v d="$1" '$2 ~ /^ (bw|ma|em|mix) $/ && $3 ~ /^ 6 $/ {gsub(/ /,"",$2); gsub(/ /,"",$7); gsub(/ /,"",$8); print "| " d "noise stress, " $2 " at 6 dB (22 DS2 records x 5 min, **held out**) | first channel | " $7 " | " $8 " | ≥ 98 / 97 |"}' "$2"; }
    row "MIT-BIH (48 records; DS1 trained, DS2 held out)" "first channel" "≥ 99.7 / 99.7" build/rpeaks-mit.md
    row "MIT-BIH DS2 (22 records, **held out**)" "first channel" "≥ 99.7 / 99.7" build/rpeaks-ds2.md
    row "CPSC 2021 (23 records; even patients trained)" "lead I" "≥ 99.5 / 99.5" build/rpeaks-c21-0.md
    row "CPSC 2021 (23 records; even patients trained)" "lead II" "≥ 99.5 / 99.5" build/rpeaks-c21-1.md
    row "CPSC 2021 (23 records; even patients trained)" "both, fused" "≥ 99.5 / 99.5" build/rpeaks-c21-all.md
    row "CPSC 2021 odd patients ($(echo $c21odd | wc -w) records, **held out**)" "lead I" "≥ 99.5 / 99.5" build/rpeaks-c21odd-0.md
    row "CPSC 2021 odd patients ($(echo $c21odd | wc -w) records, **held out**)" "lead II" "≥ 99.5 / 99.5" build/rpeaks-c21odd-1.md
    row "CPSC 2021 odd patients ($(echo $c21odd | wc -w) records, **held out**)" "both, fused" "≥ 99.5 / 99.5" build/rpeaks-c21odd-all.md
    ludbrow "LUDB (all records, annotated span; odd trained)" build/rpeaks-ludb.txt
    ludbrow "LUDB even records (annotated span, **held out**)" build/rpeaks-ludbeven.txt
    c19row "cpsc2019 (49 records, **held out**: never trained on)" build/rpeaks-cpsc2019.md
    # 5-fold CV of fine-tuning with cpsc2019 (docs/rpeaks.cv.md, tools/train/qrs_cv.py; not shipped): out-of-fold rows
    cvrow() { awk -F'|' -v n="$1" -v k="$2" '/^### Recipe/ {r++} r == k && /out of fold.*fold models/ {gsub(/ /,"",$5); gsub(/ /,"",$10); gsub(/ /,"",$11); print "| " n " | single | " $10 " | " $11 " (QRSacc " $5 ") | ≥ 99 / 99, QRSacc ≥ 0.93 |"}' docs/rpeaks.cv.md; }
    [ -s docs/rpeaks.cv.md ] && cvrow "cpsc2019, qrs-1 fine-tuned with cpsc2019, recipe A, 5-fold CV out of fold (not shipped)" 1
    [ -s docs/rpeaks.cv.md ] && cvrow "cpsc2019, qrs-1 fine-tuned with cpsc2019, recipe B, 5-fold CV out of fold (not shipped)" 2
    noiserow "" build/rpeaks-noise.md
    row "classical: MIT-BIH (48 records)" "first channel" "≥ 99.7 / 99.7" build/rpeaks-mit-classical.md
    row "classical: MIT-BIH DS2 (22 records)" "first channel" "≥ 99.7 / 99.7" build/rpeaks-ds2-classical.md
    row "classical: CPSC 2021 odd patients" "both, fused" "≥ 99.5 / 99.5" build/rpeaks-c21odd-all-classical.md
    c19row "classical: cpsc2019 (49 records, held out)" build/rpeaks-cpsc2019-classical.md
    noiserow "classical: " build/rpeaks-noise-classical.md
    cat <<'MD'

**Not reached yet** (see the rows above): the held-out cpsc2019 set, QRSacc below 0.93 and beat
Se/+P just below 99 %: its errors are motion artefacts and beat-like waves taken for beats and small
beats missed, never a beat found just outside the 75-ms window (diagnosis in the cpsc2019 section);
fine-tuning with cpsc2019, cross-validated record-wise, did not clearly beat qrs-1 and was not
shipped (docs/rpeaks.cv.md, in the cpsc2019 section);
electrode-motion noise at 6 dB (+P below 97 %: its QRS-sized bursts and baseline steps are taken
for beats); CPSC 2021 lead I alone (its artefact-dominated records; both leads fused meet the goal).
Against the classical detector, the learned one is better on every held-out row that has a
classical counterpart except the +P of MIT-BIH DS2 and of CPSC 2021 fused, a few tenths lower.

MD
    echo; echo "## MIT-BIH Arrhythmia Database (48 records, first channel, 150 ms window)"; echo
    echo '```'; echo "build/native/ecg-bench rpeaks \$ECG_DATA/mitbih/*.hea"; echo '```'; echo
    cat build/rpeaks-mit.md
    cat <<'MD'

## cpsc2019 (49 records, CPSC 2019 scoring, held out: never trained on)

MATLAB v5 files with zlib-compressed variables, read by a bench-only reader in ecg-bench (zlib is
linked into ecg-bench only; the core and the WebAssembly build read MATLAB v4 and need no zlib).
Scoring re-implements the challenge's `score.py` step for step (fs 500 Hz, THR 0.075 s): reference
QRS restricted to [0.5 s, 9.5 s]; for each reference every detection within 75 ms is a match (the
first a TP, the others FP), none is a FN; FP are also the detections in [0.5 s + 75 ms, ref₀ − 75 ms]
before the first reference, in [refⱼ + 75 ms, refⱼ₊₁ − 75 ms] between references and in
[ref_last + 75 ms, 9.5 s − 75 ms] after the last. As in the official code the gap between the first
and second reference is not searched (`FP (official)`); `FP (all gaps)` adds it and is the one used for
beat +P. Per record 1 point if FN + FP = 0, 0.7 if FP = 1 and FN = 0, 0.3 if FN = 1 and FP = 0,
else 0; QRSacc = mean. Single lead, native 500 Hz.

```
build/native/ecg-bench cpsc2019 --per-record $ECG_DATA/cpsc2019
```

MD
    cat build/rpeaks-cpsc2019.md
    cat <<'MD'

### What the errors are (issue #13.1 diagnosis, qrs-1)

From `ecg-bench cpsc2019 --per-record --dump` (references and detections of every imperfect record)
and the network's probabilities (`tools/train/qrs.py` on the same preprocessed lead). "Size" is the
peak-to-peak of the model input within ±60 ms over the median of the record's reference beats.

| record | FN | FP | what |
|---|---|---|---|
| 00126 | 0 | 1 | artefact: a motion artefact 16 × the beats' size, 184 ms after a beat |
| 00224 | 0 | 2 | artefacts: one 7 × the beats (284 ms from a beat), one small wave (0.4 ×) in mid-RR |
| 00513 | 1 | 1 | an artefact (2.1 ×, p 0.69) 324 ms before a beat (p 0.66) wins the 250-ms refractory contest: the beat is lost |
| 00619 | 0 | 1 | near the edge: a small wave (0.36 ×) at 0.81 s, 362 ms from the nearest beat |
| 00719 | 1 | 0 | missed small beat (0.62 ×, p 0.08) at 170 bpm (RR 0.35 s) |
| 00949 | 4 | 5 | motion-artefact record: five artefact detections (0.9–7.5 ×, 142–274 ms from beats), four beats missed (p ≤ 0.46) |
| 01384 | 1 | 0 | missed small beat (0.23 × the others, p 0.02) |
| 01511 | 1 | 0 | missed small beat (0.47 ×, p 0.49, just under the 0.5 threshold), RR 0.40 s |
| 01660 | 0 | 1 | a beat-sized wave (0.89 ×, p 0.93) in mid-RR, 364 ms from a beat |

No error is a localisation miss: every FP is at least 142 ms from the nearest reference beat and no
missed beat has a detection within 142 ms, so a wider window or a different R placement would not
change a point; no beat is detected twice. Two FPs lie within 1 s of the record's start (00619,
00949), neither a cut-off beat. So the 11 FPs are artefacts (7 of them larger than the beats) or
P/T-sized waves, and the 8 FNs are small or low-probability beats, half of them in 00949 alone.
Threshold and amplitude gate were then chosen by nested cross-validation (below): for qrs-1 the
default (0.5, 0.1) is chosen in four of five folds and nothing better is found.

MD
    [ -s docs/rpeaks.cv.md ] && cat docs/rpeaks.cv.md
    cat <<'MD'

## CPSC 2021 (cpsc2021 + extra/cpsc2021-extra: 23 records, 200 Hz, 2 leads, beat annotations in `.atr`)

Lead I alone, lead II alone, and both leads fused by `detect_rpeaks(Record)` (`--lead all`). Lead I of
records 35_4, 35_6, 35_10 and 84_1 is dominated by artefacts.

```
build/native/ecg-bench rpeaks --lead 0 $C21    # $C21 = $ECG_DATA/cpsc2021/*.hea $ECG_DATA/extra/cpsc2021-extra/*.hea
build/native/ecg-bench rpeaks --lead 1 $C21
build/native/ecg-bench rpeaks --lead all $C21
```

Fused, per record:

MD
    cat build/rpeaks-c21-all.md
    echo; echo "Lead I: $(tail -1 build/rpeaks-c21-0.md)"; echo; echo "Lead II: $(tail -1 build/rpeaks-c21-1.md)"
    echo; echo "## LUDB (lead II, and all 12 leads fused; QRS annotations of lead II)"; echo
    echo "Only the annotated span of each record (first to last annotation of lead II) is scored: LUDB leaves the first and last beats unannotated."
    echo; echo '```'; echo "build/native/ecg-bench delineation --lead II --ext ii \$ECG_DATA/ludb/data/*.hea   # first two lines"; echo '```'; echo
    sed 's/$/\n/' build/rpeaks-ludb.txt
    cat <<'MD'
## Noise stress test (EC57 / nst style, synthetic noise)

Records: the 22 MIT-BIH DS2 records (100 103 105 111 113 117 121 123 200 202 210 212 213 214 219 221
222 228 231 232 233 234), first 300 s of the first channel each; noise is added to the whole excerpt
(no clean learning period) and every beat is scored as above. No NST recordings exist here, so each
noise is synthesised, deterministically (splitmix64 generator with Box–Muller normals, seed 1; the
seed of record r and noise k is 1000003·seed + 101·r + k), and normalised to unit power:
- **bw** (baseline wander): 8 sinusoids with frequencies uniform in 0.05–0.5 Hz, random phases and
  amplitudes ∝ 1/f (80 % of the amplitude), plus a leaky random walk (pole 0.9999; 40 %) and
  Gaussian noise band-passed to 0.05–0.5 Hz (20 %).
- **ma** (muscle, EMG): Gaussian noise band-passed to 20–150 Hz (the core's zero-phase FIR; at
  360 Hz the upper edge is 150 Hz) times a burst envelope: 0.5 plus Hann-shaped bursts at Poisson
  times (0.5 per s), 0.3–2 s long, gain 1–4.
- **em** (electrode motion): Gaussian noise band-passed to 0.5–10 Hz times bursts (0.3 per s,
  0.2–1.5 s, gain 1–3, floor 0.1), weight 0.8; baseline steps (Poisson 0.1 per s, height normal,
  each decaying with a time constant of 0.3–1.5 s), weight 0.5; biphasic triangular spikes
  (Poisson 0.3 per s, 10–40 ms wide, amplitude 0.5–1.5, random sign), weight 0.33 — at 6 dB the
  spikes are about as tall as the QRS complexes.
- **mix**: the sum of the three (each at unit power), renormalised.

The detector's pass band ends at 25 Hz (35 Hz stop), so most of the **ma** recipe (20–150 Hz, as
the issue suggests) falls outside it; real muscle noise reaches lower. The Catch2 stress test
(tests/core/test_rpeaks.cpp) therefore adds broadband noise (white noise smoothed over 3 samples
plus 1–10 Hz wander, in bursts) to MIT-BIH 100 instead.

SNR as in EC57/nst: signal power S = (mean QRS peak-to-peak amplitude)² / 8, the amplitude measured
within ±50 ms of each reference beat of the clean excerpt with the largest and smallest 5 % of beats
discarded; the noise is scaled so that its mean square is S / 10^(SNR/10). Real noise (CinC 2017 `~`
recordings) is **not** used yet: those recordings carry ECG of their own, and separating it from the
noise was not done.

```
build/native/ecg-bench noise --seconds 300 $DS2    # $DS2 = the 22 records above
```

MD
    cat build/rpeaks-noise.md
    echo; echo "## Speed"; echo
    echo "Native (this machine, g++ -O2, one thread), fused detection on the 10-s 12-lead 500 Hz PTB-XL sample. The machine is shared (2 cores, several jobs), so timings vary by about ±40 % from run to run; about three quarters of the time is the FIR band-pass, which is as before issue #13:"; echo
    echo '```'; echo "build/native/ecg-bench speed --repeats 100 tests/fixtures/wfdb/00003_hr.hea"; "$BENCH" speed --repeats 100 tests/fixtures/wfdb/00003_hr.hea; echo '```'
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
    cat <<'MD'

## Noisy copies of LUDB

The same evaluation with noise added to lead II before R-peak detection and delineation: the
`ecg-bench noise` generators (docs/rpeaks.md, "Noise stress test": baseline wander, muscle and
electrode motion, and their equal-power mix), scaled to the SNR against the EC57 signal power of the
record's reference QRS (mean peak-to-peak within ±50 ms, squared, / 8). R-peaks are the learned
detector's on the noisy lead. The "fused" line has noise in lead II only.
MD
    for nz in "mix 12" "mix 6" "em 6" "ma 6"; do
      set -- $nz
      echo; echo "### $1 at $2 dB"; echo
      echo '```'; echo "build/native/ecg-bench delineation --lead II --ext ii --noise $1 --snr $2 \$ECG_DATA/ludb/data/*.hea"; echo '```'; echo
      "$BENCH" delineation --lead II --ext ii --noise "$1" --snr "$2" $ludb | tail -n +2
    done
  } > docs/delineation.md
  echo "wrote docs/delineation.md" ;;
rules)
  labels=build/rules-labels.csv
  /usr/bin/python3 -m tools.bench.rules_labels > "$labels"
  "$BENCH" rules --labels "$labels" --dump build/rules-dump.csv > build/rules-eval.md
  "$BENCH" af --reference "$DATA"/cinc2017/training2017/REFERENCE.csv \
    --cpsc $(ls "$DATA"/cpsc2021/*.hea "$DATA"/extra/cpsc2021-extra/*.hea) > build/rules-af.md
  # the shipped 12-lead model trained on every record: the merge is measured with the same recipe's fold
  # models (int8, tools/bench/fold-models/README.md), each on a fold it never trained on
  FM=tools/bench/fold-models
  "$BENCH" merge --labels "$labels" --model $FM/mobilenet1d-12-f0.safetensors --folds tools/train/folds.json --fold 0 > build/rules-merge-f0.md
  "$BENCH" merge --labels "$labels" --model $FM/mobilenet1d-12-f1.safetensors --folds tools/train/folds.json --fold 1 > build/rules-merge-f1.md
  {
    cat docs/rules.intro.md
    echo; echo "Produced at commit \`$commit\` by \`bash tools/bench/docs.sh rules\`, i.e."; echo
    echo '```'
    echo "/usr/bin/python3 -m tools.bench.rules_labels > build/rules-labels.csv"
    echo "build/native/ecg-bench rules --labels build/rules-labels.csv --dump build/rules-dump.csv"
    echo "/usr/bin/python3 -m tools.bench.rules_evidence build/rules-dump.csv sb   # also: axis, qt"
    echo "build/native/ecg-bench af --reference \$ECG_DATA/cinc2017/training2017/REFERENCE.csv --cpsc \$ECG_DATA/cpsc2021/*.hea \$ECG_DATA/extra/cpsc2021-extra/*.hea"
    echo "build/native/ecg-bench merge --labels build/rules-labels.csv --model tools/bench/fold-models/mobilenet1d-12-f0.safetensors --folds tools/train/folds.json --fold 0   # and -f1 with --fold 1"
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
    echo "Model: the shipped 12-lead recipe's fold models (tools/bench/fold-models: r4 of docs/results.md, int8 as shipped; the shipped file trained on every record, so it cannot be scored here). Test fold 0 with the fold-0 model (never trained on it, nor fitted its thresholds there; the policy was chosen on this fold with the earlier fold-0 model):"; echo
    cat build/rules-merge-f0.md
    echo; echo "Confirmation on fold 1 with the fold-1 model (its test fold: never trained on, nor used for its thresholds; not used to choose the policy):"; echo
    cat build/rules-merge-f1.md
    echo; echo "## Full confusion matrices of every rule"; echo
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

- **Prematurity** (ratios only: absolute intervals differ between patients): RR before and after the
  beat over the *local RR* (median of the 20 RR intervals around it), the RR before over the RR
  before that, the RR before over the ~5-minute average RR (median of the 300 intervals around it), the RR before and after
  over the *sinus cycle* (95th percentile of the 100 intervals around the beat: where ectopic beats
  outnumber sinus ones, for example runs of atrial beats faster than a sinus bradycardia, the
  median is the ectopic cycle and the slower one is the sinus cycle), and the local
  *irregularity* (median |successive RR difference| / local RR: high in AF, where early beats are
  not S; low around isolated ectopics).
- **Shape against the dominant beat**: the record is cut in blocks of 64 beats; in each, the beat
  with the most alike beats (correlation ≥ 0.9 at the best lag within ±20 ms; premature beats count
  0.3, others 1, so bigeminy picks the normal beats) defines the cluster whose sample-wise median is
  the dominant QRS (R − 100 … R + 120 ms) and pre-QRS segment (R − 300 … R − 100 ms). Per beat: best
  correlation with the dominant QRS, RMS residual / dominant RMS, QRS peak-to-peak over the
  dominant's, QRS width (walk out from the steepest slope while the smoothed |slope| stays above
  15 % of its peak) over the dominant's median width, correlation of the pre-QRS segment (P wave,
  T-on-P) with the dominant's; and each of these five measures (correlation, log width ratio, log
  amplitude ratio, residual, pre-QRS correlation) minus its *running median* over the classified
  beats within 32 beats of this one (`BeatEvidence::median_*`: the record's own recent level, a
  per-record normalisation, so a noisy record or one with an odd dominant beat is measured against
  itself).
- **P wave**: whether `dsp::delineate` found a P wave before the QRS.
- **Classifier**: a multinomial logistic regression (N, S, V, F) on these 20 features standardised
  and expanded with all their pairwise products (230 inputs, quadratic boundaries), class-weighted
  ((n_N / n_c)^1, de Chazal's inverse-frequency weighting), L2 0.01, fitted by `tools/train/fit_beats.py` on **MIT-BIH DS1 only** (de Chazal
  et al. 2004 inter-patient split: DS1 = 101 106 108 109 112 114 115 116 118 119 122 124 201 203 205
  207 208 209 215 220 223 230; DS2 = 100 103 105 111 113 117 121 123 200 202 210 212 213 214 219 221
  222 228 231 232 233 234; paced 102 104 107 217 in neither). The offsets added to the S and V
  biases were chosen by leave-records-out cross-validation inside DS1 (6 folds of whole records;
  maximising the out-of-fold *goal score* min(S Se / 0.80, S +P / 0.70) + min(V Se / 0.95,
  V +P / 0.95), i.e. the shortfall from the goals of each class). The table (`core/dsp/beats_model.inc`, its header says the
  out-of-fold DS1 numbers) is C++ constants written by that script; no DS2 beat was used to fit or
  choose anything. Beats whose QRS window leaves the record, and every beat of a flat or clipped
  lead, are Q.
- **Convention guard**: a beat whose QRS matches the dominant beat in shape (correlation ≥ 0.9),
  width (≤ 1.15 ×) and amplitude (0.75–1.33 ×) is never called V (a ventricular beat has an
  abnormal QRS); the more probable of N, S and F is taken instead (`beats::resembles_dominant`,
  tested at its edges in tests/core/test_beats.cpp). It is a trade: 177 of DS1's 3,776 V beats are
  that alike, and without the guard the fitted table calls 143 of them (and 59 alike beats of other
  classes) V, so DS1's in-sample V Se on matched beats falls (96.7 → 92.9 %; +P 94.4 → 95.7 %) for
  fewer false V calls where the quadratic boundary is out of its range. Out of fold on DS1 (adopted variant, its offsets) the guard
  leaves V Se at 86.0 % and raises V +P 86.2 → 91.0 %, while S +P falls 59.6 → 58.0 % (alike beats
  it takes from V go to S), goal score 1.748 → 1.733 (`beats_variants ... guard`): kept, as V +P gains more than S +P loses. It was added after looking at dev 12-lead records (PTB-XL
  00176_hr: two premature narrow beats with P waves, correlation 0.93, called V at p 0.54); the
  counts come from `python3 -m tools.train.beats_variants build/beats-ds1.csv`.

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

**History, for honesty about the held-out set.** DS2 has been scored five times. A first feature
set (mean local RR, no irregularity, absolute or 5-minute RR; commit 8ec2167) gave on DS2 S Se 8.1 % /
+P 25.9 %, V 88.2 % / 88.6 %. A second (median local RR, irregularity, absolute RR, 5-minute RR;
commit f43044f) was adopted because its DS1 out-of-fold F1(S) + F1(V) was higher (1.374 against
1.354); on DS2 it gave S 6.2 % / 21.3 %, V 88.9 % / 85.5 %. The third, committed set adds the two
sinus-cycle ratios. That idea came from the documented failure on DS2 record 232 (its S beats
outnumber its sinus beats; the MIT-BIH directory describes runs of atrial beats over a sinus
bradycardia with long pauses), so DS2 is no longer untouched by design choices: it shaped which
feature was tried, though no DS2 beat was fitted and no DS2 score chose anything. Among the
variants tried on DS1 alone (`/usr/bin/python3 -m tools.train.beats_variants build/beats-ds1.csv`;
features re-derived from the dump: 75th percentile of the 20
intervals, the mean of the non-premature intervals, 80th / 90th / 95th percentile of the 100
intervals, 90th of the 300; linear instead of quadratic; class weights (n_N/n_c)^1; L2 0.1), the
95th percentile of 100 intervals had the highest out-of-fold F1(S) + F1(V) on DS1 (1.393 against
1.308 for the second set refitted on the same detections); the C++ features refitted give 1.394
(header of `core/dsp/beats_model.inc`). DS2 and CPSC 2021 were then scored once, and once more after
the convention guard (above) was added; nothing was chosen on either score.

*The variant study (issue #14.1), DS1 only.* The table before it (18 features, weights
(n_N/n_c)^0.5, offsets by F1(S) + F1(V)) had an out-of-fold DS1 S Se of only 52 % (+P 61 %): it did
not generalise across DS1's own patients. `/usr/bin/python3 -m tools.train.beats_variants
build/beats-ds1.csv study` crosses feature sets (the 18; without the three absolute RR intervals;
those 15 plus the five shape measures minus their running median over ±32 matched beats,
re-derived from the dump) with model capacities and with the criterion that chooses the S/V bias
offsets, every number out of fold (6 folds of whole DS1 records, the guard not applied); the rule
fixed before looking was to adopt the row with the highest goal score:

| features | model | offsets chosen by | S, V offsets | F1(S)+F1(V) | goal score | S Se / +P (%) | V Se / +P (%) |
|---|---|---|---|---|---|---|---|
| 18 (committed) | quadratic, w^0.5, L2 0.01 | F1(S)+F1(V) | -1.50, -0.25 | 1.394 | 1.498 | 52.1 / 60.9 | 86.3 / 80.4 |
| 18 (committed) | quadratic, w^0.5, L2 0.01 | goal | -1.00, -0.75 | 1.369 | 1.573 | 55.6 / 50.8 | 84.1 / 83.4 |
| 18 (committed) | quadratic, w^1, L2 0.01 | F1(S)+F1(V) | -3.00, -1.00 | 1.384 | 1.512 | 53.6 / 57.0 | 86.5 / 80.0 |
| 18 (committed) | quadratic, w^1, L2 0.01 | goal | -2.50, -1.75 | 1.371 | 1.585 | 57.5 / 49.1 | 84.0 / 84.2 |
| 18 (committed) | quadratic, w^0.5, L2 0.1 | F1(S)+F1(V) | -0.50, +1.00 | 1.337 | 1.460 | 54.4 / 51.8 | 88.5 / 74.1 |
| 18 (committed) | quadratic, w^0.5, L2 0.1 | goal | -0.75, +0.00 | 1.325 | 1.524 | 53.0 / 46.0 | 84.3 / 82.3 |
| 18 (committed) | linear, w^0.5 | F1(S)+F1(V) | +0.50, +1.25 | 1.232 | 1.225 | 63.1 / 38.0 | 91.3 / 64.7 |
| 18 (committed) | linear, w^0.5 | goal | +0.25, +1.75 | 1.217 | 1.269 | 55.1 / 46.2 | 93.4 / 57.9 |
| 18 (committed) | linear, w^1 | F1(S)+F1(V) | -1.50, +0.50 | 1.277 | 1.328 | 61.8 / 46.2 | 91.0 / 63.5 |
| 18 (committed) | linear, w^1 | goal | -2.25, -0.25 | 1.250 | 1.359 | 51.7 / 44.6 | 88.1 / 68.6 |
| 15: no absolute RR | quadratic, w^0.5, L2 0.01 | F1(S)+F1(V) | -1.00, -0.25 | 1.412 | 1.560 | 53.4 / 57.7 | 86.7 / 84.8 |
| 15: no absolute RR | quadratic, w^0.5, L2 0.01 | goal | -0.50, -0.25 | 1.403 | 1.622 | 59.2 / 50.7 | 86.0 / 85.3 |
| 15: no absolute RR | quadratic, w^1, L2 0.01 | F1(S)+F1(V) | -2.00, -1.25 | 1.391 | 1.589 | 59.6 / 48.7 | 86.0 / 84.9 |
| 15: no absolute RR | quadratic, w^1, L2 0.01 | goal | -2.25, -1.50 | 1.391 | 1.611 | 56.9 / 50.1 | 85.5 / 86.0 |
| 15: no absolute RR | quadratic, w^0.5, L2 0.1 | F1(S)+F1(V) | +0.25, +1.25 | 1.317 | 1.410 | 59.9 / 42.9 | 88.8 / 75.7 |
| 15: no absolute RR | quadratic, w^0.5, L2 0.1 | goal | -0.25, +0.75 | 1.303 | 1.457 | 51.2 / 43.1 | 87.4 / 79.9 |
| 15: no absolute RR | linear, w^0.5 | F1(S)+F1(V) | +0.75, +1.50 | 1.237 | 1.212 | 66.6 / 37.1 | 92.0 / 64.8 |
| 15: no absolute RR | linear, w^0.5 | goal | +0.75, +0.00 | 1.210 | 1.253 | 69.2 / 28.2 | 81.2 / 80.8 |
| 15: no absolute RR | linear, w^1 | F1(S)+F1(V) | -1.50, +0.75 | 1.273 | 1.324 | 62.2 / 47.1 | 91.1 / 61.9 |
| 15: no absolute RR | linear, w^1 | goal | -1.75, +0.75 | 1.258 | 1.347 | 56.8 / 49.5 | 91.2 / 60.8 |
| 15 + shape minus record running median (5) | quadratic, w^0.5, L2 0.01 | F1(S)+F1(V) | -0.75, +0.75 | 1.525 | 1.649 | 62.3 / 72.5 | 88.6 / 82.7 |
| 15 + shape minus record running median (5) | quadratic, w^0.5, L2 0.01 | goal | +0.00, +0.50 | 1.483 | 1.729 | 67.3 / 59.7 | 85.8 / 84.4 |
| 15 + shape minus record running median (5) | quadratic, w^1, L2 0.01 | F1(S)+F1(V) | -2.25, -0.50 | 1.517 | 1.691 | 63.6 / 66.7 | 88.2 / 85.1 |
| 15 + shape minus record running median (5) | quadratic, w^1, L2 0.01 | goal | -1.75, -0.75 | 1.496 | 1.750 | 67.4 / 59.7 | 86.3 / 86.3 |
| 15 + shape minus record running median (5) | quadratic, w^0.5, L2 0.1 | F1(S)+F1(V) | +0.00, +1.50 | 1.416 | 1.556 | 59.9 / 57.2 | 90.4 / 76.8 |
| 15 + shape minus record running median (5) | quadratic, w^0.5, L2 0.1 | goal | +0.00, +1.00 | 1.410 | 1.608 | 60.9 / 52.3 | 87.8 / 81.8 |
| 15 + shape minus record running median (5) | linear, w^0.5 | F1(S)+F1(V) | +0.75, +2.00 | 1.291 | 1.323 | 67.4 / 49.5 | 93.5 / 58.6 |
| 15 + shape minus record running median (5) | linear, w^0.5 | goal | +0.50, +2.00 | 1.281 | 1.357 | 61.5 / 52.5 | 93.7 / 57.7 |
| 15 + shape minus record running median (5) | linear, w^1 | F1(S)+F1(V) | -1.50, +0.50 | 1.302 | 1.372 | 64.7 / 49.7 | 89.9 / 62.9 |
| 15 + shape minus record running median (5) | linear, w^1 | goal | -2.00, +0.00 | 1.280 | 1.399 | 55.9 / 48.8 | 88.0 / 66.8 |
| **adopted: the 20 with the medians computed in C++** (`core/dsp/beats_model.inc` header) | quadratic, w^1, L2 0.01 | goal | -1.75, -0.75 | 1.493 | 1.748 | 67.4 / 59.6 | 86.0 / 86.2 |

Dropping the absolute RR intervals helped a little (goal score 1.573 → 1.622); the running-median
shape features helped most (→ 1.729, with F1 1.525 against 1.394, S +P 72.5 % at the F1 choice);
the linear model and a stronger L2 were worse throughout, so the quadratic expansion is not what
failed to generalise. The goal criterion trades S +P for S Se against F1. Implemented in C++ and
refitted, the adopted row gives 1.748. DS2 and CPSC 2021 were then scored once (the fifth DS2
scoring, below and under *What fails*); nothing was chosen on that score.

**What fails.** S beats are mostly missed on DS2: record 232 holds 1,382 of its 1,837 S beats, and
there the atrial premature beats outnumber the sinus beats, so against the record's own RR and
dominant beat they look normal; S +P is lowered by normal beats in irregular rhythms called S. The
sinus-cycle features did not change 232 (1.3 % before, 1.4 % after): DS1 holds no record where S beats
outnumber N ones, so the fit has no such beats to learn from; they raised S +P (21.3 → 27.7 %), V
(88.9 / 85.5 → 90.4 / 89.4 %) and CPSC 2021 S (17.1 / 9.5 → 29.3 / 17.9 %). The convention guard then
moved DS2 to S 7.3 / 32.1 %, V 89.9 / 92.0 % (V beats that look like the dominant beat are lost),
CPSC 2021 S to 50.5 / 26.5 %, and removed 10 of the 75 false PVC records on the dev labels (no true
one lost). The
goals (V ≥ 95 % / 95 %, S ≥ 80 % / 70 %) are **not met**; V is above de Chazal's anchor, S below it.

**The fifth scoring (the tables below: the study's adopted variant, chosen on DS1 out-of-fold numbers
alone).** DS2: S Se 7.3 → 10.9 %, S +P 32.1 → 29.6 %, V Se 89.9 → 86.2 %, V +P 92.0 → 92.6 %. By the
study's own criterion it is not worse (goal score 1.038 → 1.044; F1(S) + F1(V) 1.028 → 1.052), so the
table was kept; but two of the four numbers fell, V Se the most. The out-of-fold gain on DS1 (S 52 / 61
→ 67 / 60 %) carried over only in part: record 232 (three quarters of DS2's S beats) went 1.4 → 3.1 %,
its atrial beats still alike to the record's own cycle and dominant beat. The fusion class takes more
beats (N called F 148 → 749, S called F 15 → 233, V called F 161 → 279: the inverse-frequency weight of
F is about 110), which is where much of the lost V Se went (and to S: V called S 9 → 83). CPSC 2021: S 50.5 / 26.5 → 82.2 / 40.3 %,
V 80.0 / 7.4 → 73.3 / 11.2 % (15 V beats). Dev labels: PAC beat rule Se 60.0 → 77.1 % at the same
Sp 93.7 %; PVC 90.9 / 93.0 → 90.9 / 92.9 %. The goals are still **not met**.
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

"""Single-lead rhythm model for chest straps: CinC 2017 (N, A, O, ~), one fold per run; report, export.

Example (from the repo root):
  nice -n 10 /usr/bin/python3 -m tools.train.rhythm --fold 0 --epochs 4 --threads 2 \\
      --out ../train-runs/rhythm-f0 --export rhythm-1
  /usr/bin/python3 -m tools.train.rhythm --summarize ../train-runs/rhythm-f*

Data: cinc2017 (`data.index_cinc2017`: 7,673 records after dropping the two duplicate copies),
folds from tools/train/folds.json key "cinc2017" (`data.make_cinc2017_folds`, stratified by class,
records are the split unit: CinC 2017 gives no patient ids).
Protocol: test fold = --fold, the other four folds train. By default the schedule is fixed (one-cycle
LR over --epochs) and the final-epoch weights are evaluated and exported: no model selection, hence no
validation fold. With --val-share S --patience K --schedule plateau (the recipe of the screening
models, docs/results.md Issue 15): a class-stratified share S of the training folds validates each
epoch (CinC 2017 F1, runtime-style windows), the lr falls 10x after 2 epochs without a better score,
training stops after K, and the best validation epoch is kept; the test fold is never looked at
before the end. --augment P adds tools/train/augment.py's noise to a share P of the training crops.
Input: the record resampled 300 → 130 Hz (the Polar H10 rate, so live H10 data needs no resampling),
band-passed 0.5–45 Hz, z-scored over the whole record (tools/train/preprocess.py = the C++ core);
windows of 1,950 samples (15 s). Training: one random 15-s crop per record and epoch (a shorter
record sits at the start, zero-padded on the right, as the runtime pads), random polarity flip
(AliveCor users hold the device either way; a chest lead has its own polarity), weighted
cross-entropy (weights ∝ 1/√class count, mean 1). Test: windows every 975 samples (the last one
aligned to the end), softmax averaged over windows, argmax — what the C++ core does for this model.
Metric: the CinC 2017 score: F1 of N, A and O (2·C[c,c] / (row c + column c) of the 4×4 confusion
matrix, ~ included in the matrix), averaged over the three; F1 of ~ is reported too.
Writes to --out: log.tsv, results.json, model.pt, and with --export NAME the model file NAME.safetensors.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from math import gcd

import numpy as np
import scipy.signal
import torch
import torch.nn.functional as F

from . import data as D
from . import export as E
from . import labels as lab
from . import models as M
from . import preprocess as P

FS = 130
INPUT_LEN = 1950  # 15 s at 130 Hz (30-s windows cost twice the CPU per step; see docs/results.md)
STRIDE = 975
CLASSES = lab.CINC2017_CLASSES  # N, A, O, ~
SCORED = ["N", "A", "O"]  # the CinC 2017 score averages these three F1s
CLASS_META = lab.CINC2017_MODEL_CLASSES  # SNOMED CT for N and A; local codes for O and ~
PREPROCESS = {**P.DEFAULT_PREPROCESS, "fir_taps": 2 * FS + 1, "window_stride": STRIDE}
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CACHE = os.path.expanduser(os.environ.get("ECG_TRAIN_CACHE", "~/.cache/ecg-screen-train"))
FIXTURES = os.path.join(REPO, "tests", "fixtures", "train", "cinc2017")


# ----------------------------------------------------------------------------------------- data

def load_rows(source: str) -> tuple[list[tuple[str, str, str]], dict[str, int]]:
    """[(record, label, .hea path)] and {record: fold}. "fixtures": the two fixture records (smoke test)."""
    if source == "fixtures":
        with open(os.path.join(FIXTURES, "REFERENCE.csv")) as f:
            rows = [tuple(r.strip().split(",")[:2]) for r in f if r.strip()]
        rows = [(r, l, os.path.join(FIXTURES, r + ".hea")) for r, l in rows]
        return rows, {r: i % D.N_FOLDS for i, (r, _, _) in enumerate(rows)}
    root = os.path.join(D.data_root(), "cinc2017", "training2017")
    rows = [(r, l, os.path.join(root, r + ".hea")) for r, l in D.index_cinc2017()]
    return rows, D.read_folds()["cinc2017"]


def preprocessed(rows, cfg: dict | None = None) -> dict[str, np.ndarray]:
    """(1, n) float32 at FS per record (PREPROCESS, or cfg: normalize "none" gives band-passed mV for
    --augment); cached on disk outside the repo."""
    cfg = cfg or PREPROCESS
    tag = hashlib.sha1(json.dumps([cfg, FS, sorted(r for r, _, _ in rows)], sort_keys=True).encode()).hexdigest()[:12]
    path = os.path.join(CACHE, f"cinc2017-{tag}.npz")
    if os.path.exists(path):
        with np.load(path) as z:
            return {k: z[k] for k in z.files}
    out = {}
    for r, _, hea in rows:
        h, sig = D.read_wfdb_signal(hea)
        out[r] = preprocess_record(sig, h.fs, cfg)
    os.makedirs(CACHE, exist_ok=True)
    np.savez(path, **out)
    return out


def preprocess_record(sig: np.ndarray, fs: float, cfg: dict | None = None) -> np.ndarray:
    """P.preprocess to FS, with the resampling done by scipy.signal.resample_poly: the same filter
    (test_preprocess checks P.resample against it; they agree to ~1e-7) and ~100× faster than the
    numpy reference, which matters for the 7,673-record cache."""
    g = gcd(int(fs), FS)
    y = scipy.signal.resample_poly(np.asarray(sig, np.float64), FS // g, int(fs) // g, axis=-1)
    return P.preprocess(y, FS, FS, cfg or PREPROCESS)  # equal rates: the resample step is a copy


def crop(x: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Random n-sample crop; a shorter record stays at the start, zero-padded on the right (as the runtime does)."""
    return crop_with_mask(x, n, rng)[0]


def crop_with_mask(x: np.ndarray, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """crop(), with the mask of the crop's real samples (what augment.noisy_zscore needs)."""
    t = x.shape[-1]
    if t >= n:
        s = int(rng.integers(0, t - n + 1))
        return x[:, s:s + n], np.ones(n, bool)
    out = np.zeros((x.shape[0], n), dtype=x.dtype)
    out[:, :t] = x
    valid = np.zeros(n, bool)
    valid[:t] = True
    return out, valid


def augmented(mv: np.ndarray, mu_sd: tuple, n: int, p: float, fir: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A training crop as the runtime's z-scored input; with probability p the noise of
    tools/train/augment.py (wander, white, muscle, mains, electrode motion; in mV, before the band-pass,
    so the model sees it as the runtime would) is added first."""
    from . import augment as A
    x, valid = crop_with_mask(mv, n, rng)
    noise = A.band_passed(A.noise_mv(rng, 1, n + len(fir) - 1, FS), fir) if rng.random() < p else None
    return A.noisy_zscore(x, valid, mu_sd[0], mu_sd[1], noise, PREPROCESS["epsilon"])


def validation_split(tr: list[tuple[str, int]], share: float, seed: int) -> tuple[list, list]:
    """(train, validation): a class-stratified share of the training records (seeded), for early stopping."""
    if share <= 0:
        return tr, []
    rng = np.random.default_rng(10_000 + seed)
    val = set()
    for c in range(len(CLASSES)):
        recs = sorted(r for r, y in tr if y == c)
        k = int(round(share * len(recs)))
        val.update(recs[i] for i in rng.permutation(len(recs))[:k])
    return [t for t in tr if t[0] not in val], [t for t in tr if t[0] in val]


# -------------------------------------------------------------------------------------- metrics

def confusion(y_true: np.ndarray, y_pred: np.ndarray, n: int = len(CLASSES)) -> np.ndarray:
    """C[true, predicted]."""
    c = np.zeros((n, n), dtype=np.int64)
    np.add.at(c, (y_true, y_pred), 1)
    return c


def cinc2017_scores(c: np.ndarray) -> dict:
    """CinC 2017 scoring: F1_k = 2·C[k,k] / (Σ row k + Σ column k); score = mean F1 of N, A, O."""
    f1 = {}
    for k, name in enumerate(CLASSES):
        den = c[k].sum() + c[:, k].sum()
        f1[name] = float(2 * c[k, k] / den) if den else None
    scored = [f1[k] for k in SCORED if f1[k] is not None]
    return {"macro_f1_nao": float(np.mean(scored)) if scored else None, "f1": f1,
            "accuracy": float(np.trace(c) / c.sum()) if c.sum() else None, "confusion": c.tolist()}


# ---------------------------------------------------------------------------------------- model

def predict(model, xs: list[np.ndarray], batch: int = 64) -> np.ndarray:
    """Runtime-style: windows of INPUT_LEN every STRIDE samples, softmax averaged over windows → (n, 4)."""
    model.eval()
    wins, owner = [], []
    for i, x in enumerate(xs):
        w = P.windows(x, INPUT_LEN, STRIDE)
        wins.append(w)
        owner += [i] * len(w)
    allw = np.concatenate(wins)
    owner = np.array(owner)
    probs = np.zeros((len(xs), len(CLASSES)))
    with torch.no_grad():
        for s in range(0, len(allw), batch):
            p = torch.softmax(model(torch.from_numpy(allw[s:s + batch])), 1).double().numpy()
            np.add.at(probs, owner[s:s + batch], p)
    return probs / np.bincount(owner, minlength=len(xs))[:, None]


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fold", type=int, default=0, help="test fold 0-4 of folds.json cinc2017; the other four train")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3, help="peak of the one-cycle schedule")
    ap.add_argument("--channels", default="16,16,24,32,48,64", help="stem width, then one stride-2 block per entry")
    ap.add_argument("--stem-stride", type=int, default=4, help="stride of the stem conv (4: 15 s at 130 Hz end at 16 steps)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--schedule", choices=["onecycle", "plateau"], default="onecycle",
                    help="onecycle: one-cycle lr over --epochs, final epoch kept; plateau: lr x0.1 after 2 epochs "
                         "without a better validation F1 (down to lr/100), best epoch kept (needs --val-share)")
    ap.add_argument("--val-share", type=float, default=0.0,
                    help="class-stratified share of the training folds held out to validate each epoch (early stopping)")
    ap.add_argument("--patience", type=int, default=0, help="stop after this many epochs without a better validation F1")
    ap.add_argument("--augment", type=float, default=0.0, metavar="P",
                    help="probability that a training crop gets the noise of tools/train/augment.py")
    ap.add_argument("--data", choices=["cinc2017", "fixtures"], default="cinc2017")
    ap.add_argument("--input-len", type=int, default=INPUT_LEN, help="samples per window at 130 Hz (smoke test only)")
    ap.add_argument("--max-steps", type=int, default=0, help="stop each epoch after this many steps (smoke test)")
    ap.add_argument("--out", help="run folder (outside the repo)")
    ap.add_argument("--export", metavar="NAME", help="also write <out>/NAME.safetensors")
    ap.add_argument("--summarize", nargs="+", metavar="RUN", help="print mean ± sd over the runs' results.json and exit")
    ap.add_argument("--fixtures", metavar="RUN", help="write the C++ test fixtures of models/rhythm-1 from RUN and exit")
    ap.add_argument("--record", help="with --fixtures: the record (default: pick_fixture's choice)")
    return ap.parse_args(argv)


def train(args) -> dict:
    global INPUT_LEN, STRIDE
    t0 = time.time()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    os.makedirs(args.out, exist_ok=True)
    if args.input_len != INPUT_LEN:  # smoke test: shorter windows, same protocol
        INPUT_LEN, STRIDE = args.input_len, args.input_len // 2
    if args.schedule == "plateau" and args.val_share <= 0:
        raise ValueError("--schedule plateau needs --val-share (the validation F1 drives it)")
    rows, folds = load_rows(args.data)
    sigs = preprocessed(rows)
    tr = [(r, CLASSES.index(l)) for r, l, _ in rows if folds[r] != args.fold]
    te = [(r, CLASSES.index(l)) for r, l, _ in rows if folds[r] == args.fold]
    tr, va = validation_split(tr, args.val_share, args.seed)
    xva, yva = [sigs[r] for r, _ in va], np.array([y for _, y in va], dtype=np.int64)
    if args.augment > 0:
        mv = preprocessed(rows, {**PREPROCESS, "normalize": "none"})
        mvtr = [mv[r] for r, _ in tr]
        mu_sd = [(m.astype(np.float64).mean(-1), m.astype(np.float64).std(-1)) for m in mvtr]
        fir = P.bandpass_filter(FS, *PREPROCESS["bandpass_hz"], PREPROCESS["fir_taps"])
    xtr, ytr = [sigs[r] for r, _ in tr], np.array([y for _, y in tr])
    xte, yte = [sigs[r] for r, _ in te], np.array([y for _, y in te])
    counts = np.bincount(ytr, minlength=len(CLASSES)).astype(np.float64)
    w = 1.0 / np.sqrt(np.maximum(counts, 1))
    w = torch.tensor(w / w.mean(), dtype=torch.float32)
    channels = tuple(int(c) for c in args.channels.split(","))
    model = M.RhythmNet(1, len(CLASSES), channels, stem_stride=args.stem_stride)
    steps_per_epoch = -(-len(tr) // args.batch)
    if args.max_steps:
        steps_per_epoch = min(steps_per_epoch, args.max_steps)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-2)
    if args.schedule == "plateau":
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, "max", factor=0.1, patience=2, min_lr=args.lr / 100)
    else:
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=args.epochs * steps_per_epoch, pct_start=0.2)
    log_path = os.path.join(args.out, "log.tsv")
    with open(log_path, "w") as f:
        f.write("epoch\ttrain_loss\tseconds" + ("\tval_macro_f1_nao\tlr" if va else "") + "\n")
    history = []
    best = (-1.0, 0, None)  # (validation F1, epoch, state)
    for epoch in range(args.epochs):
        if args.patience and best[2] is not None and epoch - best[1] >= args.patience:
            print(f"early stop after epoch {epoch}: validation F1 best at epoch {best[1]}", flush=True)
            break
        model.train()
        order = rng.permutation(len(tr))
        losses = []
        for step in range(steps_per_epoch):
            idx = order[step * args.batch:(step + 1) * args.batch]
            if len(idx) == 0:
                break
            if args.augment > 0:
                xb = np.stack([augmented(mvtr[i], mu_sd[i], INPUT_LEN, args.augment, fir, rng) for i in idx])
            else:
                xb = np.stack([crop(xtr[i], INPUT_LEN, rng) for i in idx])
            xb *= np.where(rng.random(len(idx)) < 0.5, -1.0, 1.0).astype(np.float32)[:, None, None]
            loss = F.cross_entropy(model(torch.from_numpy(xb)), torch.from_numpy(ytr[idx]), weight=w)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if args.schedule == "onecycle":
                sched.step()
            losses.append(float(loss))
        row = [epoch + 1, float(np.mean(losses)), time.time() - t0]
        if va:
            score = cinc2017_scores(confusion(yva, predict(model, xva).argmax(1)))["macro_f1_nao"]
            row += [score, opt.param_groups[0]["lr"]]
            if score > best[0]:
                best = (score, epoch + 1, {k: v.detach().clone() for k, v in model.state_dict().items()})
            if args.schedule == "plateau":
                sched.step(score)
        history.append(row)
        with open(log_path, "a") as f:
            f.write("\t".join(f"{v:.6f}" if isinstance(v, float) else str(v) for v in row) + "\n")
        print("epoch", *[f"{v:.4f}" if isinstance(v, float) else v for v in row], flush=True)
    if best[2] is not None and args.patience:  # early stopping keeps the best validation epoch
        model.load_state_dict(best[2])
    config = dict(vars(args))
    torch.save({"state": model.state_dict(), "config": config}, os.path.join(args.out, "model.pt"))
    probs = predict(model, xte)
    test = cinc2017_scores(confusion(yte, probs.argmax(1)))
    results = {"config": config, "command": "nice -n 10 /usr/bin/python3 -m tools.train.rhythm " + " ".join(sys.argv[1:]),
               "classes": CLASSES, "fs_hz": FS, "input_len": INPUT_LEN, "window_stride": STRIDE,
               "n_train": len(tr), "n_val": len(va), "n_test": len(te), "test_fold": args.fold,
               "best_epoch": best[1] if best[2] is not None and args.patience else len(history), "epochs_run": len(history), "train_counts": counts.astype(int).tolist(),
               "class_weights": w.tolist(), "params": M.count_params(model), "history": history, "test": test,
               "seconds": time.time() - t0}
    print("test", json.dumps({k: test[k] for k in ("macro_f1_nao", "f1", "accuracy")}), flush=True)
    if args.export:
        path = os.path.join(args.out, f"{args.export}.safetensors")
        E.export_model(path, model, args.export, ["I"], FS, INPUT_LEN, None, preprocess={**PREPROCESS, "window_stride": STRIDE},
                       classes=CLASS_META, demographics=None, task="rhythm",
                       training={"data": f"cinc2017 (PhysioNet/CinC 2017 training set, AliveCor single lead, 300 Hz resampled to {FS} Hz): "
                                         f"{len(tr)} train records, {len(te)} test records",
                                 "folds": f"test fold {args.fold} of tools/train/folds.json cinc2017; the other four folds train"
                                          + (f" ({len(va)} of their records held out to validate each epoch; best validation epoch kept)"
                                             if va and args.patience else "; final epoch, no model selection"),
                                 "command": results["command"]},
                       metrics={"test_fold": args.fold, "macro_f1_nao": test["macro_f1_nao"], "f1": test["f1"],
                                "accuracy": test["accuracy"]})
        results["export"] = path
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    return results


def load_checkpoint(path: str) -> tuple[torch.nn.Module, dict]:
    ck = torch.load(path, map_location="cpu")
    cfg = ck["config"]
    m = M.RhythmNet(1, len(CLASSES), tuple(int(c) for c in cfg["channels"].split(",")), stem_stride=cfg.get("stem_stride", 2))
    m.load_state_dict(ck["state"])
    m.eval()
    return m, cfg


# ------------------------------------------------------------------------------ C++ test fixtures

def pick_fixture(model, fold: int) -> str:
    """The first AF record (by name) of the test fold that is 16–25 s long (two windows or more, a small file)
    and that the model calls AF: a regression check of the C++ path, not a measure of accuracy."""
    rows, folds = load_rows("cinc2017")
    for r, l, hea in sorted(rows):
        if l != "A" or folds[r] != fold:
            continue
        h, sig = D.read_wfdb_signal(hea)
        if 16 <= sig.shape[-1] / h.fs <= 25 and predict(model, [preprocess_record(sig, h.fs)])[0].argmax() == CLASSES.index("A"):
            return r
    raise ValueError(f"no AF record of 16-25 s in fold {fold} that the model calls AF")


def write_fixtures(run: str, name: str = "rhythm-1", record: str | None = None) -> list[str]:
    """From a run folder: tests/fixtures/cinc2017/RECORD.{hea,mat} (copied, unmodified),
    tests/fixtures/nn/NAME.golden.safetensors (first window of the record, preprocessed, and the
    PyTorch logits) and tests/fixtures/screen/RECORD.NAME.json (whole-record softmax averaged over windows)."""
    import shutil

    model, cfg = load_checkpoint(os.path.join(run, "model.pt"))
    record = record or pick_fixture(model, cfg["fold"])
    root = os.path.join(D.data_root(), "cinc2017", "training2017")
    fx = os.path.join(REPO, "tests", "fixtures")
    for ext in (".hea", ".mat"):
        shutil.copyfile(os.path.join(root, record + ext), os.path.join(fx, "cinc2017", record + ext))
    h, sig = D.read_wfdb_signal(os.path.join(fx, "cinc2017", record + ".hea"))
    x = preprocess_record(sig, h.fs)
    command = f"/usr/bin/python3 -m tools.train.rhythm --fixtures {run} --record {record}"
    doc, _ = E.load_model_file(os.path.join(REPO, "models", f"{name}.safetensors"))
    ecg = P.windows(x, INPUT_LEN, STRIDE)[0]
    golden = os.path.join(fx, "nn", f"{name}.golden.safetensors")
    E.write_golden(golden, doc, ecg, None, E.torch_outputs(model, ecg, None), command)
    probs = predict(model, [x])[0]
    labels = dict(D.index_cinc2017())
    ref = {"record": f"cinc2017/{record}", "label": labels[record], "model": name, "command": command,
           "windows": len(P.window_starts(x.shape[-1], INPUT_LEN, STRIDE)),
           "classes": [c["abbr"] for c in CLASS_META], "probabilities": probs.tolist(),
           "note": "softmax averaged over windows, float64 numpy/PyTorch; the record is from the model's test fold"}
    path = os.path.join(fx, "screen", f"{record}.{name}.json")
    with open(path, "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    return [golden, path]


# ------------------------------------------------------------------------------------ summarise

def summarize(runs: list[str]) -> dict:
    res = []
    for d in runs:
        p = os.path.join(d, "results.json")
        if os.path.exists(p):
            with open(p) as f:
                res.append(json.load(f))
    res.sort(key=lambda r: r["test_fold"])

    def ms(v):
        v = [x for x in v if x is not None]
        return {"mean": float(np.mean(v)), "sd": float(np.std(v, ddof=1)) if len(v) > 1 else None, "values": v}

    out = {"folds": [r["test_fold"] for r in res], "macro_f1_nao": ms([r["test"]["macro_f1_nao"] for r in res]),
           "accuracy": ms([r["test"]["accuracy"] for r in res]),
           "f1": {c: ms([r["test"]["f1"][c] for r in res]) for c in CLASSES},
           "confusion_sum": np.sum([r["test"]["confusion"] for r in res], 0).tolist() if res else None,
           "seconds": [r["seconds"] for r in res], "params": res[0]["params"] if res else None,
           "commands": [r["command"] for r in res]}
    return out


def markdown(s: dict) -> str:
    f = lambda m: f"{m['mean']:.3f}" + (f" ± {m['sd']:.3f}" if m["sd"] is not None else "")  # noqa: E731
    lines = ["| test fold | macro F1 (N, A, O) | F1 N | F1 A | F1 O | F1 ~ | accuracy | minutes |", "|---|---|---|---|---|---|---|---|"]
    for i, fold in enumerate(s["folds"]):
        v = lambda m: f"{m['values'][i]:.3f}"  # noqa: E731
        lines.append(f"| {fold} | {v(s['macro_f1_nao'])} | " + " | ".join(v(s["f1"][c]) for c in CLASSES) +
                     f" | {v(s['accuracy'])} | {s['seconds'][i] / 60:.1f} |")
    lines.append(f"| **mean ± sd** | **{f(s['macro_f1_nao'])}** | " + " | ".join(f(s["f1"][c]) for c in CLASSES) +
                 f" | {f(s['accuracy'])} | {np.mean(s['seconds']) / 60:.1f} |")
    lines += ["", "Confusion matrix summed over the test folds (rows = reference, columns = predicted):", "",
              "| | " + " | ".join(CLASSES) + " |", "|---" * (len(CLASSES) + 1) + "|"]
    for k, row in zip(CLASSES, s["confusion_sum"]):
        lines.append(f"| {k} | " + " | ".join(str(x) for x in row) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.summarize:
        s = summarize(args.summarize)
        print(json.dumps({k: v for k, v in s.items() if k != "commands"}, indent=1))
        print()
        print(markdown(s))
        return
    if args.fixtures:
        for p in write_fixtures(args.fixtures, record=args.record):
            print(p, os.path.getsize(p), "bytes")
        return
    if not args.out:
        raise SystemExit("--out is required for training")
    train(args)


if __name__ == "__main__":
    main()

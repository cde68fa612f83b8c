"""Train one model on one cross-validation fold, fit thresholds on a distinct validation fold, report and export.

Example (from the repo root):
  /usr/bin/python3 -m tools.train.train --model lrhnet --leads 12 --fold 0 --epochs 20 --out ../train-runs/lrh12-f0

Fold protocol: test fold = --fold; validation fold = (fold + 1) % 5 (model selection by validation
macro AUPRC, then per-class thresholds by differential evolution on the validation fold); the
other three folds train. Metrics are computed on the test fold only. Writes to --out:
log.tsv (per-epoch metrics), results.json, model.pt (best state + config), and with --export NAME
the model file <out>/NAME.safetensors.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np
import torch

from . import augment as A
from . import data as D
from . import export as E
from . import labels as lab
from . import losses as L
from . import metric
from . import models as M
from . import preprocess as P
from . import thresholds as T

FS = 257
INPUT_LEN = 4096  # LRH-Net's 4096 samples ≈ 15.9 s; --input-len 2560 (≈ 10 s) is what our CPU runs use
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CACHE = os.path.expanduser(os.environ.get("ECG_TRAIN_CACHE", "~/.cache/ecg-screen-train"))


# ----------------------------------------------------------------------------------------- data

def fixture_items() -> list[D.Item]:
    """The few fixture records under tests/fixtures/train (for the smoke test; no $ECG_DATA needed)."""
    fx = os.path.join(REPO, "tests", "fixtures", "train")
    out = []
    for rel in ("cinc/A0002.hea", "cinc/A0003.hea", "cinc/E00015.hea", "cinc/HR00001.hea", "ptbxl/00001_hr.hea"):
        h = D.read_wfdb_header(os.path.join(fx, rel))
        codes = h.dx or ["251146004", "426783006"]  # ptbxl 1: NORM, LVOLT, SR (labels.ptbxl_codes)
        out.append(D.Item(f"fixture/{h.record}", "fixture", h.record, h.fs, codes, h.age, h.sex,
                          f"fixture:{h.record}", f"fixture:{h.record}", os.path.join(fx, rel)))
    return out


def load_pool(source: str) -> tuple[list[D.Item], dict[str, int]]:
    if source == "fixtures":
        items = fixture_items()
        return items, {it.key: i % D.N_FOLDS for i, it in enumerate(items)}
    if source == "pool+extra":
        return D.extended_pool()
    pool, _ = D.build_pool()
    return pool, D.read_folds()["twelve_lead"]


def split_pool(items: list[D.Item], folds: dict[str, int], test_fold: int, test_source: str | None = None) -> dict[str, list[D.Item]]:
    """train / val / test items. Test fold f, validation fold f+1, the rest (and fold -1) train; with
    test_source, the test set is every record of that source and no record of it trains or validates.
    Partly labelled records (Item.unknown) train only: they are dropped from validation and test."""
    val_fold = (test_fold + 1) % D.N_FOLDS
    out = {"train": [], "val": [], "test": []}
    for it in items:
        f = folds[it.key]
        if test_source is not None:
            s = "test" if it.source == test_source else "val" if f == val_fold else "train"
        else:
            s = "test" if f == test_fold else "val" if f == val_fold else "train"
        if s != "train" and it.unknown:
            continue
        out[s].append(it)
    return out


def preprocessed(items: list[D.Item], cfg: dict) -> dict[str, np.ndarray]:
    """Preprocess every item to (12, n) float32 at FS; cached on disk outside the repo."""
    tag = hashlib.sha1(json.dumps([cfg, FS, sorted(it.key for it in items)], sort_keys=True).encode()).hexdigest()[:12]
    path = os.path.join(CACHE, f"pool-{tag}.npz")
    if os.path.exists(path):
        with np.load(path) as z:
            return {k: z[k] for k in z.files}
    out = {}
    for it in items:
        sig = D.load_signal(it)
        out[it.key.replace("/", "|")] = P.preprocess(sig, it.fs, FS, cfg)
    os.makedirs(CACHE, exist_ok=True)
    np.savez(path, **out)
    return out


def preprocess_cfg(cfg) -> dict:
    """The runtime's preprocessing of a run (argparse namespace or its config dict): the band-pass of
    --bandpass / --fir-taps (default 0.5-45 Hz, 2·fs+1 taps), written into the exported file."""
    get = cfg.get if isinstance(cfg, dict) else lambda k, d=None: getattr(cfg, k, d)
    band = get("bandpass") or "0.5,45"
    lo, hi = (float(v) for v in band.split(","))
    return {**P.DEFAULT_PREPROCESS, "bandpass_hz": [lo, hi], "fir_taps": get("fir_taps") or 2 * FS + 1}


class Arrays:
    def __init__(self, items, sigs, lead_idx, sigs_mv=None):
        self.items = items
        self.x = [sigs[it.key.replace("/", "|")][lead_idx] for it in items]
        # --augment: the band-passed records in mV and their per-lead mean and sd (the runtime's z-score)
        self.mv = [sigs_mv[it.key.replace("/", "|")][lead_idx] for it in items] if sigs_mv is not None else None
        self.mu_sd = [(m.astype(np.float64).mean(-1), m.astype(np.float64).std(-1)) for m in self.mv] if self.mv is not None else None
        self.y = np.stack([it.target for it in items]).astype(np.float32)
        self.known = np.stack([it.known for it in items]).astype(np.float32)
        self.masked = bool((self.known < 1).any())
        self.demo = np.stack([D.demographics(it.age, it.sex) for it in items])

    def __len__(self):
        return len(self.items)


def random_clip(x: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """LRH-Net RandomClip: random crop if longer, zero pad with a random left/right split if shorter."""
    return A.crop(x, n, rng)[0]


def augmented_crop(arr: Arrays, i: int, args, fir: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random crop of record i as the runtime's model input would be with noise added to the record
    (probability args.augment) and with leads lost to the quality gate (probability args.lead_dropout);
    tools/train/augment.py says what noise."""
    mv, valid = A.crop(arr.mv[i], args.input_len, rng)
    noise = None
    if rng.random() < args.augment:
        raw = A.noise_mv(rng, mv.shape[0], args.input_len + len(fir) - 1, FS)
        noise = A.band_passed(raw, fir)
    mu, sd = arr.mu_sd[i]
    z = A.noisy_zscore(mv, valid, mu, sd, noise, P.DEFAULT_PREPROCESS["epsilon"])
    return A.drop_leads(z, rng) if rng.random() < args.lead_dropout else z


# ---------------------------------------------------------------------------------------- model

def make_model(args, n_leads) -> torch.nn.Module:
    kw = {}
    if args.model == "seresnet":
        kw["width"] = args.width
    return M.build(args.model, n_leads, lab.N_CLASSES, **kw)


def load_checkpoint(path: str) -> tuple[torch.nn.Module, dict]:
    ck = torch.load(path, map_location="cpu")
    cfg = ck["config"]
    ns = argparse.Namespace(**cfg)
    m = make_model(ns, len(D.LEAD_SETS[cfg["leads"]]) if cfg["model"] != "leadwise" else 12)
    m.load_state_dict(ck["state"])
    m.eval()
    return m, cfg


def predict(model, arr: Arrays, input_len: int = INPUT_LEN) -> dict[str, np.ndarray] | np.ndarray:
    """Runtime-style inference: windows of input_len every window_stride samples, mean of sigmoid probabilities."""
    model.eval()
    outs: dict[str, list] = {}
    with torch.no_grad():
        for i, x in enumerate(arr.x):
            w = P.windows(x, input_len, min(P.DEFAULT_PREPROCESS["window_stride"], input_len))
            d = np.repeat(arr.demo[i][None], len(w), 0)
            o = model(torch.from_numpy(w), torch.from_numpy(d))
            o = o if isinstance(o, dict) else {"": o}
            for k, v in o.items():
                outs.setdefault(k, []).append(torch.sigmoid(v).mean(0).numpy())
    res = {k: np.stack(v) for k, v in outs.items()}
    return res[""] if list(res) == [""] else res


def evaluate(probs: np.ndarray, y: np.ndarray, thr: np.ndarray) -> dict:
    return metric.all_metrics(y.astype(bool), probs, T.decide(probs, thr))


# ---------------------------------------------------------------------------------------- train

def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=["lrhnet", "seresnet", "leadwise", "mobilenet1d"], default="lrhnet")
    ap.add_argument("--leads", choices=list(D.LEAD_SETS), default="12")
    ap.add_argument("--loss", choices=["bce", "asl"], default="bce")
    ap.add_argument("--kd", choices=["none", "vanilla", "parallel", "sequential"], default="none",
                    help="vanilla: --teacher (12-lead); parallel/sequential: --teacher and --teacher2 "
                         "(reduced-lead teacher trained alone / distilled from the 12-lead teacher)")
    ap.add_argument("--teacher", help="model.pt of the 12-lead teacher trained on the same fold")
    ap.add_argument("--teacher2", help="model.pt of the reduced-lead teacher (MLKD)")
    ap.add_argument("--alpha", type=float, default=0.3)
    ap.add_argument("--temperature", type=float, default=7.0)
    ap.add_argument("--width", type=float, default=0.25, help="SE-ResNet channel multiplier (1.0 = Zhao's 64..512)")
    ap.add_argument("--fold", type=int, default=0, help="test fold 0-4; validation fold = (fold + 1) % 5")
    ap.add_argument("--epochs", type=int, default=20, help="at most this many epochs (see --patience)")
    ap.add_argument("--patience", type=int, default=0,
                    help="early stopping: stop when the validation macro AUPRC has not improved for this many epochs "
                         "(0 = run every epoch); the best epoch is kept either way")
    ap.add_argument("--test-source", choices=list(D.SOURCES),
                    help="leave-one-source-out: test on every record of this source, train and validate on the others")
    ap.add_argument("--input-len", type=int, default=INPUT_LEN, help="samples per window at 257 Hz (training crops and export)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--milestones", default="0.5,0.75",
                    help="fractions of --epochs where the learning rate drops 10x; LRH-Net's 20,40,70 of 90 epochs "
                         "is 0.222,0.444,0.778, which in an 8-epoch run leaves only 2 epochs at the full rate")
    ap.add_argument("--schedule", choices=["step", "plateau"], default="step",
                    help="step: lr x0.1 at --milestones; plateau: lr x0.1 when the validation macro AUPRC has not "
                         "improved for 2 epochs (down to lr/100), for runs that end by --patience")
    ap.add_argument("--final", metavar="THRESHOLDS_JSON",
                    help="train the shipped model on every record (no validation or test set; the last epoch is kept, "
                         "--schedule step) and export it with the thresholds and cross-validation metrics of this file "
                         "(written by tools/train/final.py from the five fold runs' out-of-fold predictions)")
    ap.add_argument("--extra-test-only", action="store_true",
                    help="with --data pool+extra: extra's records are validated and tested but never trained on "
                         "(the data ablation: same test records, training without the new data)")
    ap.add_argument("--bandpass", metavar="LO,HI", help="the model input's band-pass in Hz (default 0.5,45); a higher "
                    "low edge keeps baseline wander out of the model (docs/quality.md)")
    ap.add_argument("--fir-taps", type=int, help="taps of the band-pass FIR (odd; default 2*257+1 = 515)")
    ap.add_argument("--augment", type=float, default=0.0, metavar="P",
                    help="probability that a training crop gets noise (tools/train/augment.py); 0 = none")
    ap.add_argument("--lead-dropout", type=float, default=0.0, metavar="P",
                    help="probability that a training crop loses 1-4 leads (zeroed, as the quality gate does)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--data", choices=["pool", "pool+extra", "fixtures"], default="pool",
                    help="pool: docs/results.md's pool; pool+extra: with ../shared/data extra's labelled sets (issue 15)")
    ap.add_argument("--max-steps", type=int, default=0, help="stop each epoch after this many steps (smoke test)")
    ap.add_argument("--de-iter", type=int, default=40, help="differential-evolution generations for thresholds")
    ap.add_argument("--out", required=True)
    ap.add_argument("--export", metavar="NAME", help="also write <out>/NAME.safetensors")
    return ap.parse_args(argv)


def train(args) -> dict:
    t0 = time.time()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    os.makedirs(args.out, exist_ok=True)
    leads = D.LEAD_SETS["12" if args.model == "leadwise" else args.leads]
    lead_idx = [D.LEADS_12.index(l) for l in leads]
    items, folds = load_pool(args.data)
    pre_cfg = preprocess_cfg(args)
    sigs = preprocessed(items, pre_cfg)
    augmenting = args.augment > 0 or args.lead_dropout > 0
    sigs_mv = preprocessed(items, {**pre_cfg, "normalize": "none"}) if augmenting else None
    fir = P.bandpass_filter(FS, *pre_cfg["bandpass_hz"], pre_cfg["fir_taps"]) if augmenting else None
    val_fold = (args.fold + 1) % D.N_FOLDS
    split = split_pool(items, folds, args.fold, args.test_source)
    final = None
    if args.final:
        if args.schedule != "step" or args.patience or args.test_source or args.kd != "none":
            raise ValueError("--final trains a fixed number of epochs on every record: it needs --schedule step, "
                             "no --patience, no --test-source and no --kd")
        with open(args.final) as f:
            final = json.load(f)
        split = {"train": list(items), "val": [], "test": []}
    if args.extra_test_only:
        split["train"] = [it for it in split["train"] if it.dataset not in D.EXTRA_DATASETS]
    tr = Arrays(split["train"], sigs, lead_idx, sigs_mv)
    va, te = (Arrays(split[s], sigs, lead_idx) if split[s] else None for s in ("val", "test"))
    model = make_model(args, len(leads))
    teachers = []
    if args.kd != "none":
        t1, c1 = load_checkpoint(args.teacher)
        if c1["fold"] != args.fold:
            raise ValueError(f"teacher was trained with test fold {c1['fold']}, student uses {args.fold}: leakage")
        if preprocess_cfg(c1) != pre_cfg:
            raise ValueError(f"teacher {args.teacher} was trained on input preprocessed as {preprocess_cfg(c1)}, the student's is "
                             f"{pre_cfg}: give both the same --bandpass / --fir-taps")
        teachers.append((t1, [D.LEADS_12.index(l) for l in D.LEAD_SETS[c1['leads']]]))
        if args.kd in ("parallel", "sequential"):
            t2, c2 = load_checkpoint(args.teacher2)
            if c2["fold"] != args.fold:
                raise ValueError(f"teacher2 was trained with test fold {c2['fold']}, student uses {args.fold}")
            teachers.append((t2, [D.LEADS_12.index(l) for l in D.LEAD_SETS[c2['leads']]]))
    # teachers see the 12-lead crop (with --augment, the same noisy crop, noise added to all 12 leads);
    # remember which rows of the 12-lead crop the student uses
    full = Arrays(split["train"], sigs, list(range(12)), sigs_mv) if teachers else None
    base = L.bce if args.loss == "bce" else L.asymmetric_loss
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-5)
    if args.schedule == "plateau":
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, "max", factor=0.1, patience=2, min_lr=args.lr / 100)
    else:
        milestones = sorted({max(1, round(args.epochs * float(f))) for f in args.milestones.split(",")})
        sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones, 0.1)
    log_path = os.path.join(args.out, "log.tsv")
    with open(log_path, "w") as f:
        f.write("epoch\ttrain_loss\tval_macro_auprc\tval_macro_auroc\tval_challenge_at_0.5\tseconds\tlr\n")
    best, best_state, history, best_epoch = -1.0, None, [], 0
    for epoch in range(args.epochs):
        if args.patience and epoch - best_epoch >= args.patience:
            print(f"early stop after epoch {epoch}: validation macro AUPRC best at epoch {best_epoch}", flush=True)
            break
        model.train()
        order = rng.permutation(len(tr))
        losses_ = []
        for step, s in enumerate(range(0, len(order), args.batch)):
            if args.max_steps and step >= args.max_steps:
                break
            idx = order[s:s + args.batch]
            src = full if teachers else tr
            if augmenting:
                crops = np.stack([augmented_crop(src, i, args, fir, rng) for i in idx])
            else:
                crops = np.stack([random_clip(src.x[i], args.input_len, rng) for i in idx])
            xs = torch.from_numpy(crops[:, lead_idx] if teachers else crops)
            ds, ys = torch.from_numpy(tr.demo[idx]), torch.from_numpy(tr.y[idx])
            mk = torch.from_numpy(tr.known[idx]) if tr.masked else None
            lossf = (lambda o, y_, _m=mk: base(o, y_, mask=_m)) if mk is not None else base
            out = model(xs, ds)
            if isinstance(out, dict):
                loss = sum(lossf(o, ys) for o in out.values())
            elif teachers:
                with torch.no_grad():
                    tl = [t(torch.from_numpy(crops[:, li]), ds) for t, li in teachers]
                if len(tl) == 1:
                    loss = L.vanilla_kd(out, tl[0], ys, args.alpha, args.temperature, lossf)
                else:
                    loss = L.multilevel_kd(out, tl[0], tl[1], ys, args.alpha, args.temperature, base=lossf)
            else:
                loss = lossf(out, ys)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses_.append(float(loss))
        if final is None:
            pv = predict(model, va, args.input_len)
            pv12 = pv["12"] if isinstance(pv, dict) else pv
            m = metric.all_metrics(va.y.astype(bool), pv12, T.decide(pv12, np.full(lab.N_CLASSES, 0.5)))
            score = m["macro_auprc"] if m["macro_auprc"] is not None else -float(np.mean(losses_))
        else:  # no validation set: the last epoch is the model
            m, score = {"macro_auprc": None, "macro_auroc": None, "challenge_metric": None}, float(epoch)
        row = [epoch + 1, float(np.mean(losses_)), m["macro_auprc"], m["macro_auroc"], m["challenge_metric"], time.time() - t0,
               float(opt.param_groups[0]["lr"])]  # the lr this epoch trained at
        sched.step(score) if args.schedule == "plateau" else sched.step()
        history.append(row)
        with open(log_path, "a") as f:
            f.write("\t".join(f"{v:.6f}" if isinstance(v, float) else str(v) for v in row) + "\n")  # None → "None"
        print("epoch", *[f"{v:.4f}" if isinstance(v, float) else v for v in row], flush=True)  # None → "None"
        if score > best:
            best, best_epoch = score, epoch + 1
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    config = {k: v for k, v in vars(args).items()}
    torch.save({"state": best_state, "config": config}, os.path.join(args.out, "model.pt"))
    if final is not None:
        return final_export(args, model, leads, tr, history, final, t0)
    pv, pt = predict(model, va, args.input_len), predict(model, te, args.input_len)
    per_set = pv.keys() if isinstance(pv, dict) else [args.leads]
    pv = pv if isinstance(pv, dict) else {args.leads: pv}
    pt = pt if isinstance(pt, dict) else {args.leads: pt}
    # The test records' probabilities (out-of-fold predictions: tools/train/final.py fits the shipped
    # thresholds on them) and labels.
    np.savez(os.path.join(args.out, "predictions.npz"), keys=np.array([it.key for it in te.items]), y=te.y,
             **{f"test_{ls}": v for ls, v in pt.items()})
    results = {"config": config, "command": "/usr/bin/python3 -m tools.train.train " + " ".join(sys.argv[1:]),
               "n_train": len(tr), "n_val": len(va), "n_test": len(te), "val_fold": val_fold, "test_fold": args.fold,
               "params": M.count_params(model), "history": history, "best_epoch": best_epoch,
               "epochs_run": len(history), "test_source": args.test_source, "lead_sets": {}}
    for ls in per_set:
        thr, val_score = T.fit_thresholds(pv[ls], va.y, seed=args.seed, maxiter=args.de_iter)
        test = evaluate(pt[ls], te.y, thr)
        test["challenge_metric_at_0.5"] = metric.challenge_metric(te.y.astype(bool), T.decide(pt[ls], np.full(lab.N_CLASSES, 0.5)))
        results["lead_sets"][ls] = {"thresholds": thr.tolist(), "val_challenge_metric": val_score, "test": test}
        print(f"lead set {ls}: test", {k: (None if test[k] is None else round(test[k], 4)) for k in
                                        ("challenge_metric", "challenge_metric_at_0.5", "macro_f1", "macro_auroc", "macro_auprc")},
              flush=True)
    results["seconds"] = time.time() - t0
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    if args.export:
        main_set = "12" if args.model == "leadwise" else args.leads
        r = results["lead_sets"][main_set]
        lead_sets = None
        if args.model == "leadwise":
            lead_sets = [{"name": ls, "leads": D.LEAD_SETS[ls], "output": f"logits_{ls}",
                          "thresholds": results["lead_sets"][ls]["thresholds"]} for ls in model.lead_sets]
        E.export_model(os.path.join(args.out, f"{args.export}.safetensors"), model, args.export, leads, FS, args.input_len,
                       r["thresholds"], preprocess=exported_preprocess(args), training={"data": f"{args.data}: {len(tr)} train / {len(va)} val records",
                                                  "folds": (f"test source {args.test_source} (every record), validation fold {val_fold} of the other sources"
                                                            if args.test_source else f"test fold {args.fold}, validation fold {val_fold} (tools/train/folds.json)"),
                                                  "command": results["command"]},
                       metrics={ls: {k: results["lead_sets"][ls]["test"][k] for k in
                                     ("challenge_metric", "macro_f1", "macro_auroc", "macro_auprc")} for ls in per_set},
                       lead_sets=lead_sets)
    return results


def exported_preprocess(args) -> dict:
    c = preprocess_cfg(args)
    return {"window_stride": min(P.DEFAULT_PREPROCESS["window_stride"], args.input_len), "bandpass_hz": c["bandpass_hz"],
            "fir_taps": c["fir_taps"]}


def final_export(args, model, leads, tr, history, final: dict, t0: float) -> dict:
    """results.json and the exported file of a --final run: thresholds and metrics from the fold runs."""
    results = {"config": vars(args), "command": "/usr/bin/python3 -m tools.train.train " + " ".join(sys.argv[1:]),
               "n_train": len(tr), "params": M.count_params(model), "history": history, "epochs_run": len(history),
               "final": final, "seconds": time.time() - t0}
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    if args.export:
        # Thresholds to 9 significant digits (the runtime compares float32 probabilities: ~7 digits) and
        # metrics to 4 decimals keep the header of a 12-lead file within the 160,000-byte budget.
        runs = final["runs"]
        E.export_model(os.path.join(args.out, f"{args.export}.safetensors"), model, args.export, leads, FS, args.input_len,
                       [float(f"{t:.9g}") for t in final["thresholds"]], preprocess=exported_preprocess(args),
                       training={"data": f"{args.data}: all {len(tr)} records (every fold), {len(history)} epochs",
                                 "folds": f"none held out; thresholds: out-of-fold predictions of {runs[0]}..{runs[-1][-1]}; "
                                          "metrics: their test folds, mean",
                                 "command": results["command"]},
                       metrics={args.leads: {k: round(v, 4) for k, v in final["cv_metrics"].items()}})
    return results


def main(argv=None) -> None:
    train(parse_args(argv))


if __name__ == "__main__":
    main()

"""Quantise a float32 model file to int8 weights (schema ecg-screen-model/2), and measure what it costs.

Scheme (docs/model-format.md, "Schema 2: I8 and F16 tensors"): the `weight` of every conv1d and
linear node becomes I8 with one float32 scale per output channel (the first axis), symmetric:
    scale_c = max_i |w_c,i| / 127 rounded up to the scale's dtype (1.0 for an all-zero channel),
    q = clip(round(w / scale_c), -127, 127)
and the loader computes w' = q · scale_c in float32 (export.dequantize is the same product).
The scales and the conv1d/linear biases are stored as F16 (`--scale-dtype F32`, `--bias-dtype F32`
keep them float32); batch-norm and group-norm parameters stay F32.
`--float16 NAME` / `--float32 NAME` keep chosen weights (fnmatch patterns) as F16 / F32 instead.

    /usr/bin/python3 -m tools.train.quantize IN.safetensors OUT.safetensors [--float16 stem.weight]
    /usr/bin/python3 -m tools.train.quantize --golden IN.golden.safetensors OUT.safetensors OUT.golden.safetensors
    /usr/bin/python3 -m tools.train.quantize --eval FLOAT32.safetensors INT8.safetensors --fold 0 [--json OUT]

--golden writes the PyTorch outputs of OUT's dequantised weights for the float golden file's inputs
(the C++ parity fixture of a quantised model) and prints their distance to the float32 outputs.
--eval screens the test fold of `--fold` (tools/train/folds.json; the shipped models are fold 0's)
with both files, through the graph run by PyTorch ops and the runtime's windows and decision rule,
and prints the challenge metric (screening models; CinC 2021) or the CinC 2017 F1 (rhythm models) of
each and their difference. The test fold was used neither for training nor for thresholds.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import os
import sys
import time
from math import gcd

import numpy as np
import torch
import torch.nn.functional as F

from . import export as E

QMAX = 127


# ------------------------------------------------------------------------------------ quantise

def quantize_int8(w: np.ndarray, scale_dtype=np.float16) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric per-output-channel int8: (q int8 with w's shape, scales [w.shape[0]] in scale_dtype).
    A float16 scale is rounded up to the next float16 (so no |q| exceeds 127), and q is computed
    against the stored scale, so the float32 product q · scale is what the loader reconstructs."""
    w = np.asarray(w, np.float32)
    flat = w.reshape(w.shape[0], -1)
    amax = np.abs(flat).max(1)
    want = np.where(amax > 0, amax / np.float32(QMAX), np.float32(1.0)).astype(np.float32)
    scale = want.astype(scale_dtype)
    low = scale.astype(np.float32) < want
    scale[low] = np.nextafter(scale[low], np.array(np.inf, scale_dtype))
    scale[scale == 0] = np.finfo(scale_dtype).smallest_subnormal if scale_dtype == np.float16 else np.float32(1e-38)
    q = np.clip(np.rint(flat / scale.astype(np.float32)[:, None]), -QMAX, QMAX).astype(np.int8)
    return q.reshape(w.shape), scale


def weight_tensors(doc: dict) -> set[str]:
    return {n["weights"]["weight"] for n in doc["graph"]["nodes"] if n["op"] in ("conv1d", "linear")}


def quantize_file(src: str, dst: str, float16: list[str] = (), float32: list[str] = (), command: str = "",
                  scale_dtype: str = "F16", bias_dtype: str = "F16") -> dict:
    doc, tensors = E.load_model_file(src)
    if any(n.endswith(".scale") for n in tensors) or doc.get("quantization"):
        raise ValueError(f"{src}: already quantised; expected a float32 model file")
    import hashlib
    with open(src, "rb") as f:
        src_sha = hashlib.sha256(f.read()).hexdigest()
    qnames = weight_tensors(doc)
    biases = {n["weights"]["bias"] for n in doc["graph"]["nodes"] if n["op"] in ("conv1d", "linear") and "bias" in n["weights"]}
    out: dict[str, np.ndarray] = {}
    kept = {"I8": [], "F16": [], "F32": []}
    for name, a in tensors.items():
        if name in qnames and any(fnmatch.fnmatch(name, p) for p in float32):
            out[name] = a.astype(np.float32); kept["F32"].append(name)
        elif name in qnames and any(fnmatch.fnmatch(name, p) for p in float16):
            out[name] = a.astype(np.float16); kept["F16"].append(name)
        elif name in qnames:
            q, s = quantize_int8(a, np.float16 if scale_dtype == "F16" else np.float32)
            out[name], out[name + ".scale"] = q, s
            kept["I8"].append(name)
        elif name in biases and bias_dtype == "F16" and np.abs(a).max() < 60000:
            out[name] = a.astype(np.float16)
        else:
            out[name] = a.astype(np.float32)
    doc = {k: v for k, v in doc.items() if k != "tensor_sha256"}
    doc["quantization"] = {
        "scales": scale_dtype, "biases": bias_dtype,  # of the I8 conv1d/linear weights; docs/model-format.md
        **({"float16_weights": kept["F16"]} if kept["F16"] else {}), **({"float32_weights": kept["F32"]} if kept["F32"] else {}),
        "from_sha256": src_sha, "command": command,
    }
    return E.write_model_file(dst, out, doc)


# ------------------------------------------------------------------------- graph run by PyTorch

def torch_graph(doc: dict, tensors: dict[str, np.ndarray]):
    """The exported graph as PyTorch ops over a batch: f(inputs {name: (B, ...) tensor}) -> {output: (B, ...)}."""
    W = {k: torch.from_numpy(np.ascontiguousarray(v, np.float32)) for k, v in tensors.items()}

    def run(inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        env = dict(inputs)
        for n in doc["graph"]["nodes"]:
            op, a, w = n["op"], n["attrs"], n["weights"]
            xs = [env[i] for i in n["inputs"]]
            x = xs[0]
            wt = lambda k: W[w[k]] if k in w else None  # noqa: E731
            if op == "conv1d":
                y = F.conv1d(F.pad(x, tuple(a["pad"])), wt("weight"), wt("bias"), a["stride"], 0, a["dilation"], a["groups"])
            elif op == "batchnorm":
                y = F.batch_norm(x, wt("mean"), wt("var"), wt("weight"), wt("bias"), False, 0.0, a["eps"])
            elif op == "groupnorm":
                y = F.group_norm(x, a["groups"], wt("weight"), wt("bias"), a["eps"])
            elif op == "relu":
                y = torch.relu(x)
            elif op == "sigmoid":
                y = torch.sigmoid(x)
            elif op == "mish":
                y = F.mish(x)
            elif op == "add":
                y = xs[0] + xs[1]
            elif op == "mul_channel":
                y = x * xs[1][:, :, None]
            elif op == "global_avg_pool":
                y = x.mean(-1)
            elif op == "global_max_pool":
                y = x.amax(-1)
            elif op == "max_pool1d":
                y = F.max_pool1d(F.pad(x, tuple(a["pad"]), value=-float("inf")), a["kernel"], a["stride"])
            elif op == "avg_pool1d":  # padding excluded from the mean
                s = F.avg_pool1d(F.pad(x, tuple(a["pad"])), a["kernel"], a["stride"])
                c = F.avg_pool1d(F.pad(torch.ones_like(x[:, :1]), tuple(a["pad"])), a["kernel"], a["stride"])
                y = s / c
            elif op == "linear":
                y = F.linear(x, wt("weight"), wt("bias"))
            elif op == "concat":
                y = torch.cat(xs, 1)
            elif op == "flatten":
                y = x.reshape(x.shape[0], -1)
            else:
                raise ValueError(f"node {n['output']}: unknown op {op!r}")
            env[n["output"]] = y
        return {o: env[o] for o in doc["graph"]["outputs"]}
    return run


def write_golden(float_golden: str, qmodel: str, out: str, command: str) -> dict:
    g, meta = E.read_safetensors(float_golden)
    doc, tensors = E.load_model_file(qmodel)
    run = torch_graph(doc, tensors)
    inputs = {k[len("input."):]: torch.from_numpy(np.array(v, np.float32))[None] for k, v in g.items() if k.startswith("input.")}
    with torch.no_grad():
        outs = {k: v[0].numpy() for k, v in run(inputs).items()}
    t = {k: np.asarray(v, np.float32) for k, v in g.items() if k.startswith("input.")}
    t.update({f"output.{k}": v for k, v in outs.items()})
    E.write_safetensors(out, t, {"format": "ecg-screen-golden/1", "model": doc["name"], "command": command,
                                 "outputs": f"PyTorch float32 logits of the dequantised weights of {os.path.basename(qmodel)} "
                                            f"for the inputs of {os.path.basename(float_golden)}"})
    report = {}
    for k, v in outs.items():
        ref = np.asarray(g[f"output.{k}"], np.float64)
        report[k] = {"max_abs_vs_float32": float(np.abs(v - ref).max()), "output_scale": float(np.abs(ref).max())}
    return report


# ----------------------------------------------------------------------------------- evaluation

def training_pool(doc: dict) -> str:
    """The record pool a screening model was trained on (train.py --data), from its file's training note:
    "pool+extra: …" or "pool: …" (the 1,274-record pool, train.py's "dev")."""
    name = str(doc.get("training", {}).get("data", "pool")).split(":")[0].strip()
    return {"pool": "dev"}.get(name, name)


def _screen_records(fold: int, pool: str):
    from . import data as D, train as T
    items, folds = T.load_pool(pool)
    test = T.split_pool(items, folds, fold)["test"]  # fold `fold`, without partly labelled records
    return D, T, test


def _preprocess_resample_poly(sig: np.ndarray, fs: float, fs_out: int, cfg: dict) -> np.ndarray:
    """preprocess.preprocess with the resampling by scipy's resample_poly (the same filter, ~1e-7)."""
    import scipy.signal
    from . import preprocess as P
    if abs(fs - fs_out) > 1e-9:
        g = gcd(int(round(fs)), fs_out)
        sig = scipy.signal.resample_poly(np.asarray(sig, np.float64), fs_out // g, int(round(fs)) // g, axis=-1)
    return P.preprocess(sig, fs_out, fs_out, cfg).astype(np.float32)


def _predict(run, doc: dict, xs: list[np.ndarray], demos: list[np.ndarray] | None, softmax: bool) -> np.ndarray:
    from . import preprocess as P
    L, S = doc["input_len"], doc["preprocess"]["window_stride"]
    out = []
    with torch.no_grad():
        for i, x in enumerate(xs):
            w = torch.from_numpy(P.windows(x, L, min(S, L)))
            inp = {"ecg": w}
            if demos is not None and len(doc["graph"]["inputs"]) > 1:
                inp["demographics"] = torch.from_numpy(np.repeat(demos[i][None], len(w), 0).astype(np.float32))
            logits = run(inp)[doc["graph"]["outputs"][0]].double()
            p = torch.softmax(logits, 1) if softmax else torch.sigmoid(logits)
            out.append((p.max(0).values if doc["preprocess"]["aggregate"] == "max" else p.mean(0)).numpy())
    return np.stack(out)


def evaluate(files: list[str], fold: int, pool: str | None = None) -> dict:
    """Both files on the test records of `fold` of `pool` (default: the first file's training pool)."""
    docs = [E.load_model_file(f) for f in files]
    task = docs[0][0].get("task", "screen")
    t0 = time.time()
    res = {"fold": fold, "files": {}}
    if task == "rhythm":
        from . import rhythm as R
        rows, folds = R.load_rows("dev")
        test = [r for r in rows if folds[r[0]] == fold]
        pre = R.preprocessed(test)
        xs = [pre[r] for r, _, _ in test]
        y = np.array([R.CLASSES.index(l) for _, l, _ in test])
        res["records"] = len(test)
        for f, (doc, t) in zip(files, docs):
            p = _predict(torch_graph(doc, t), doc, xs, None, softmax=True)
            s = R.cinc2017_scores(R.confusion(y, p.argmax(1)))
            res["files"][f] = {"metric": "CinC 2017 F1 (N, A, O)", "value": s["macro_f1_nao"], "f1": s["f1"], "accuracy": s["accuracy"]}
    else:
        from . import metric, thresholds as TH
        doc0 = docs[0][0]
        res["pool"] = pool or training_pool(doc0)
        D, T, test = _screen_records(fold, res["pool"])
        lead_idx = [D.LEADS_12.index(l) for l in doc0["leads"]]
        cfg = {k: v for k, v in doc0["preprocess"].items()}
        xs = [_preprocess_resample_poly(D.load_signal(it), it.fs, int(doc0["fs_hz"]), cfg)[lead_idx] for it in test]
        demos = [D.demographics(it.age, it.sex) for it in test]
        y = np.stack([it.target for it in test]).astype(bool)
        res["records"] = len(test)
        decisions = []
        for f, (doc, t) in zip(files, docs):
            p = _predict(torch_graph(doc, t), doc, xs, demos, softmax=False)
            dec = TH.decide(p, np.asarray(doc["decision"]["thresholds"]))
            decisions.append(dec)
            m = metric.all_metrics(y, p, dec)
            res["files"][f] = {"metric": "challenge metric (CinC 2021)", "value": m["challenge_metric"],
                               "macro_f1": m.get("macro_f1"), "macro_auroc": m.get("macro_auroc")}
        if len(decisions) == 2:  # (record, class) decisions that differ between the two files
            res["decisions_changed"] = int(np.sum(decisions[0] != decisions[1]))
            res["decisions"] = int(decisions[0].size)
    vals = [res["files"][f]["value"] for f in files]
    res["difference"] = vals[1] - vals[0] if len(vals) == 2 else None
    res["seconds"] = round(time.time() - t0, 1)
    return res


# ----------------------------------------------------------------------------------- model cards

CARD_SECTION = "## File: int8 weights"


def card_section(name: str, results: dict) -> str:
    """The model card section on the shipped file's dtype, size and what int8 cost (docs/quantization.json)."""
    r = results[name]
    (_, a), (_, b) = r["files"].items()  # the files measured (the shipped ones, or the recipe's fold-0 model)
    f32, q8 = f"tools/train/float32/{name}.safetensors", f"models/{name}.safetensors"
    doc, raw = E.load_model_file(q8, raw=True)
    counts = {}
    f16_weights = set(doc.get("quantization", {}).get("float16_weights", []))
    for k, v in raw.items():
        kind = "scales" if k.endswith(".scale") else "F16w" if k in f16_weights else \
            {"int8": "I8", "float16": "F16"}.get(str(v.dtype), "F32")
        counts[kind] = counts.get(kind, 0) + v.size
    metric = a["metric"]
    return "\n".join([
        CARD_SECTION, "",
        f"- `models/{name}.safetensors`: {os.path.getsize(q8):,} bytes (float32 original `{f32}`: {os.path.getsize(f32):,} bytes), "
        f"schema `ecg-screen-model/2`, SHA-256 of the tensors `{doc['tensor_sha256'][:16]}…` checked at load.",
        f"- dtypes: conv1d and linear weights I8 with one F16 scale per output channel ({counts.get('I8', 0):,} int8 values, "
        f"{counts.get('scales', 0):,} scales)"
        + (f", except {', '.join(sorted(f16_weights))} kept F16 ({counts.get('F16w', 0):,} values: where int8 changed more "
           "decisions on the validation fold, tools/train/quantize-all.sh)" if f16_weights else "")
        + f"; their biases F16 ({counts.get('F16', 0):,} values)"
        + (f"; other parameters F32 ({counts['F32']:,} values)" if counts.get("F32") else "; no other parameters (batch-norm is folded)")
        + ". Dequantised to float32 at load (docs/model-format.md).",
        *(_accuracy_lines(r, metric, a, b)),
        "- Produced by `bash tools/train/quantize-all.sh` (measured with `--eval`; results in `docs/quantization.json`).", ""])


def _accuracy_lines(r: dict, metric: str, a: dict, b: dict) -> list[str]:
    changed = lambda x: (f"; {x['decisions_changed']:,} of {x['decisions']:,} class decisions differ"
                         if x.get("decisions") else "")
    shipped = r.get("shipped_file")
    if shipped is None:  # the shipped file is the model of fold r['fold']
        return [f"- Accuracy, float32 → int8, on the shipped fold's test fold ({r['records']:,} records of fold {r['fold']}, never "
                f"used for training or thresholds): {metric} {a['value']:.4f} → {b['value']:.4f} (difference "
                f"{r['difference']:+.4f}; limit ±0.005){changed(r)}."]
    (_, sa), (_, sb) = shipped["files"].items()
    return [f"- Accuracy, float32 → int8, on held-out records: the shipped file trained on every record, so the change is measured on "
            f"the same recipe's fold-{r['fold']} model, quantised the same way, on its test fold ({r['records']:,} records, never used "
            f"for its training or thresholds): {metric} {a['value']:.4f} → {b['value']:.4f} (difference {r['difference']:+.4f}; "
            f"limit ±0.005){changed(r)}.",
            f"- The shipped file itself on the same {shipped['records']:,} records (all in its training set, so the level is "
            f"optimistic and only the change counts): {sa['value']:.4f} → {sb['value']:.4f} (difference "
            f"{shipped['difference']:+.4f}){changed(shipped)}."]


def write_cards(results_path: str = "docs/quantization.json", models_dir: str = "models") -> list[str]:
    import re
    with open(results_path) as f:
        results = json.load(f)
    written = []
    for name in results:
        path = os.path.join(models_dir, f"{name}.md")
        with open(path) as f:
            text = f.read()
        if CARD_SECTION in text:  # replace the previous section
            a = text.index(CARD_SECTION)
            b = text.find("\n## ", a + 1)
            text = text[:a] + (text[b + 1:] if b >= 0 else "")
        size = os.path.getsize(os.path.join(models_dir, f"{name}.safetensors"))
        text = re.sub(r"\(([\d,]+) bytes, (?:int8 weights: see below; )?([\d,]+) stored (?:floats|values)",
                      f"({size:,} bytes, int8 weights: see below; \\2 stored values", text, count=1)
        text = text.replace("schema `ecg-screen-model/1`", "schema `ecg-screen-model/2`")
        i = text.index("\n## ") + 1
        text = text[:i] + card_section(name, results) + "\n" + text[i:]
        with open(path, "w") as f:
            f.write(text)
        written.append(path)
    return written


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*")
    ap.add_argument("--float16", action="append", default=[], metavar="PATTERN", help="weights kept as F16 (fnmatch)")
    ap.add_argument("--float32", action="append", default=[], metavar="PATTERN", help="weights kept as F32 (fnmatch)")
    ap.add_argument("--scale-dtype", choices=("F16", "F32"), default="F16", help="dtype of the per-channel scales")
    ap.add_argument("--bias-dtype", choices=("F16", "F32"), default="F16", help="dtype of conv1d/linear biases")
    ap.add_argument("--cards", action="store_true", help="update models/*.md from docs/quantization.json")
    ap.add_argument("--golden", action="store_true", help="files: FLOAT_GOLDEN QMODEL OUT_GOLDEN")
    ap.add_argument("--eval", action="store_true", help="files: FLOAT32 INT8 (same model); --fold selects the test fold")
    ap.add_argument("--fold", type=int, default=0)
    ap.add_argument("--pool", choices=("dev", "pool+extra"), help="--eval records (default: the model's training pool)")
    ap.add_argument("--json", metavar="OUT", help="also write the --eval result as JSON")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    command = "/usr/bin/python3 -m tools.train.quantize " + " ".join(sys.argv[1:] if argv is None else argv)
    if a.cards:
        for p in write_cards(*a.files):
            print("updated", p)
        return
    if a.eval:
        r = evaluate(a.files, a.fold, a.pool)
        print(json.dumps(r, indent=1))
        if a.json:
            with open(a.json, "w") as f:
                json.dump({**r, "command": command}, f, indent=1)
    elif a.golden:
        fg, qm, out = a.files
        print(json.dumps(write_golden(fg, qm, out, command)))
    else:
        src, dst = a.files
        tmp = dst + ".tmp"  # src may be dst's float32 copy elsewhere; never write over the input
        quantize_file(src, tmp, a.float16, a.float32, command, a.scale_dtype, a.bias_dtype)
        os.replace(tmp, dst)
        print(dst, os.path.getsize(src), "->", os.path.getsize(dst), "bytes")


if __name__ == "__main__":
    main()

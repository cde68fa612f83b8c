"""Dataset loaders (cinc, ptbxl, ptbxl-processed, ludb, cinc2017), de-duplication, patient-level 5-fold splits.

Data root: env ``ECG_DATA`` (default ``~/.cache/ecg-data``), laid out as ../shared/data/unpack.sh does.
Signals are returned in mV as float32 arrays shaped (leads, samples) in the canonical lead order
I, II, III, aVR, aVL, aVF, V1–V6 (ptbxl-processed is already z-scored: its "mV" are unit-less).

Choices (documented in docs/results.md too):
- Wrong-gain headers: E00015, E00018, E00793 (4880/mV) and HR00599, HR20715 (200/mV) are read with
  1000/mV, the scale their int16 data actually has (see cinc/SOURCE.md: E00009 exists with both
  gains over identical samples; HR twins are bit-identical to native PTB-XL at 1000/mV).
  `read_wfdb_header` still reports what the header says; only `load_signal` overrides.
- De-duplication: one ECG = one key. PTB-XL ecg_id N is the same ECG as CinC HR{N:05d} and
  ptbxl-processed N. Priority ptbxl (raw, patient_id) > cinc (SNOMED labels) > ptbxl-processed.
- Patients: PTB-XL / ptbxl-processed use patient_id; CinC and LUDB give no patient id, so each
  record is its own patient (LUDB has one record per subject; for CinC this is an assumption).
- Records with no scored label are dropped from the 12-lead training pool (as LRH-Net does).
"""
from __future__ import annotations

import csv
import json
import os
import re
from dataclasses import dataclass, field

import numpy as np
import scipy.io

from . import labels as lab

LEADS_12 = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]
LEAD_SETS = {
    "12": LEADS_12,
    "6": ["I", "II", "III", "aVR", "aVL", "aVF"],
    "4": ["I", "II", "III", "V2"],
    "3": ["I", "II", "V2"],
    "2": ["I", "II"],
}
WRONG_GAIN_RECORDS = {"E00015", "E00018", "E00793", "HR00599", "HR20715"}
CORRECTED_GAIN = 1000.0
FOLDS_JSON = os.path.join(os.path.dirname(os.path.abspath(__file__)), "folds.json")
FOLD_SEED = 2021
N_FOLDS = 5


def data_root() -> str:
    return os.path.expanduser(os.environ.get("ECG_DATA", "~/.cache/ecg-data"))


def canonical_lead(name: str) -> str:
    n = name.strip()
    for c in LEADS_12:
        if n.lower() == c.lower():
            return c
    return n


# ---------------------------------------------------------------------------------------------- WFDB

@dataclass
class Header:
    record: str
    n_sig: int
    fs: float
    n_samples: int
    files: list[str]
    fmts: list[str]
    gains: list[float]
    baselines: list[int]
    leads: list[str]
    age: float | None = None
    sex: str | None = None  # "F" | "M" | None
    dx: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


_GAIN_RE = re.compile(r"^([-+0-9.eE]+)(?:\(([-0-9]+)\))?(?:/(\S+))?$")


def parse_age(s: str | None) -> float | None:
    if s is None:
        return None
    s = s.strip().lstrip(">").strip()
    try:
        a = float(s)
    except ValueError:
        return None
    if not np.isfinite(a) or a < 0:
        return None
    return a


def parse_sex(s: str | None) -> str | None:
    if s is None:
        return None
    s = s.strip().lower()
    if s in ("f", "female", "1"):
        return "F"
    if s in ("m", "male", "0"):
        return "M"
    return None


def read_wfdb_header(path: str) -> Header:
    """Parse a WFDB .hea (single segment). Reports the gains exactly as written."""
    with open(path, encoding="latin-1") as f:
        lines = [ln.rstrip("\r\n") for ln in f]
    body = [ln for ln in lines if ln.strip() and not ln.startswith("#")]
    comments = [ln.lstrip("#").strip() for ln in lines if ln.startswith("#")]
    head = body[0].split()
    n_sig = int(head[1])
    fs = float(head[2].split("/")[0]) if len(head) > 2 else 250.0
    n_samples = int(head[3]) if len(head) > 3 else 0
    files, fmts, gains, baselines, leads = [], [], [], [], []
    for ln in body[1:1 + n_sig]:
        t = ln.split()
        files.append(t[0])
        fmts.append(t[1].split("x")[0].split(":")[0].split("+")[0])
        gain, base = 200.0, 0
        if len(t) > 2:
            m = _GAIN_RE.match(t[2])
            if not m:
                raise ValueError(f"{path}: cannot parse gain field {t[2]!r}")
            gain = float(m.group(1)) or 200.0
            adc_zero = int(t[4]) if len(t) > 4 else 0
            base = int(m.group(2)) if m.group(2) is not None else adc_zero
        gains.append(gain)
        baselines.append(base)
        leads.append(canonical_lead(t[8]) if len(t) > 8 else f"ch{len(leads)}")
    h = Header(os.path.basename(path)[:-4], n_sig, fs, n_samples, files, fmts, gains, baselines, leads,
               comments=comments)
    for c in comments:
        if ":" not in c:
            continue
        k, v = c.split(":", 1)
        k = k.strip().lower()
        if k == "age":
            h.age = parse_age(v)
        elif k == "sex":
            h.sex = parse_sex(v)
        elif k == "dx":
            h.dx = lab.cpsc_codes(v.split(","))
    return h


def _digital_to_mv(adc: np.ndarray, h: Header, override_gain: bool) -> np.ndarray:
    gains = np.array(h.gains, dtype=np.float64)
    if override_gain and h.record in WRONG_GAIN_RECORDS:
        gains = np.full_like(gains, CORRECTED_GAIN)
    base = np.array(h.baselines, dtype=np.float64)
    return ((adc.astype(np.float64) - base[:, None]) / gains[:, None]).astype(np.float32)


def read_wfdb_signal(hea_path: str, override_gain: bool = True) -> tuple[Header, np.ndarray]:
    """(header, mV signal (leads, samples)). Supports MATLAB v4 .mat (CinC) and format 16 .dat."""
    h = read_wfdb_header(hea_path)
    d = os.path.dirname(hea_path)
    f0 = h.files[0]
    if f0.endswith(".mat"):
        adc = scipy.io.loadmat(os.path.join(d, h.record + ".mat"))["val"]
    else:
        if set(h.fmts) != {"16"} or len(set(h.files)) != 1:
            raise ValueError(f"{hea_path}: only single-file format 16 supported, got {h.fmts}")
        raw = np.fromfile(os.path.join(d, f0), dtype="<i2")
        n = raw.size // h.n_sig
        adc = raw[: n * h.n_sig].reshape(n, h.n_sig).T
    if adc.shape[0] != h.n_sig:
        raise ValueError(f"{hea_path}: got {adc.shape[0]} channels, header says {h.n_sig}")
    return h, _digital_to_mv(adc, h, override_gain)


def to_canonical(sig: np.ndarray, leads: list[str], want: list[str] = LEADS_12) -> np.ndarray:
    idx = {l: i for i, l in enumerate(leads)}
    missing = [l for l in want if l not in idx]
    if missing:
        raise ValueError(f"record lacks leads {missing}; has {leads}")
    return sig[[idx[l] for l in want]]


# -------------------------------------------------------------------------------------------- index

@dataclass
class Item:
    """One labelled recording in the pool; the signal is loaded lazily by load_signal()."""
    key: str  # "<dataset>/<record>"
    dataset: str
    record: str
    fs: float
    codes: list[str]
    age: float | None
    sex: str | None
    patient: str
    ecg_key: str  # de-duplication key: same ECG ⇒ same ecg_key
    path: str
    # Classes whose label is unknown (abbreviations): a record labelled only partly (ptbxl-extra's
    # superclass statements) is trained on the other classes only and is never in a test fold.
    unknown: tuple[str, ...] = ()

    @property
    def target(self) -> np.ndarray:
        return lab.multi_hot(self.codes)

    @property
    def known(self) -> np.ndarray:
        """float32 (26,) 1 where the label of the class is known (the loss mask)."""
        m = np.ones(lab.N_CLASSES, dtype=np.float32)
        for a in self.unknown:
            m[lab.ABBRS.index(a)] = 0.0
        return m

    @property
    def source(self) -> str:
        """The hospital / database the ECG comes from (the unit of leave-one-source-out)."""
        return source_of(self.dataset, self.record)


def demographics(age: float | None, sex: str | None) -> np.ndarray:
    """LRH-Net vector [age/100, age_known, female, male, sex_known] (FACTS §2.1)."""
    v = np.zeros(5, dtype=np.float32)
    if age is not None:
        v[0], v[1] = age / 100.0, 1.0
    if sex == "F":
        v[2], v[4] = 1.0, 1.0
    elif sex == "M":
        v[3], v[4] = 1.0, 1.0
    return v


def read_ptbxl_table(root: str | None = None) -> list[dict]:
    with open(os.path.join(root or data_root(), "ptbxl", "ptbxl_database.csv"), newline="") as f:
        return list(csv.DictReader(f))


def _ptbxl_sex(v: str) -> str | None:
    return {"0": "M", "1": "F", "0.0": "M", "1.0": "F"}.get(v.strip())


def _pid(v: str) -> str:
    return str(int(float(v))) if v.strip() else ""


def index_cinc(root: str) -> list[Item]:
    out = []
    d = os.path.join(root, "cinc")
    for fn in sorted(os.listdir(d)):
        if not fn.endswith(".hea"):
            continue
        h = read_wfdb_header(os.path.join(d, fn))
        rec = fn[:-4]
        ecg_key = f"ptbxl:{int(rec[2:])}" if rec.startswith("HR") else f"cinc:{rec}"
        out.append(Item(f"cinc/{rec}", "cinc", rec, h.fs, h.dx, h.age, h.sex, f"cinc:{rec}", ecg_key,
                        os.path.join(d, fn)))
    return out


def index_ptbxl(root: str) -> list[Item]:
    out = []
    for r in read_ptbxl_table(root):
        eid = int(r["ecg_id"])
        path = os.path.join(root, "ptbxl", r["filename_hr"] + ".hea")
        if not os.path.exists(path):
            continue
        pid = _pid(r["patient_id"])
        out.append(Item(f"ptbxl/{eid}", "ptbxl", str(eid), 500.0, lab.ptbxl_codes(r["scp_codes"], r["heart_axis"]),
                        parse_age(r["age"]), _ptbxl_sex(r["sex"]), f"ptbxl:{pid}" if pid else f"ptbxl-ecg:{eid}",
                        f"ptbxl:{eid}", path))
    return out


def index_ptbxl_processed(root: str) -> list[Item]:
    out = []
    d = os.path.join(root, "ptbxl-processed")
    with open(os.path.join(d, "labels.csv"), newline="") as f:
        for r in csv.DictReader(f):
            eid = int(r["ecg_id"])
            pid = _pid(r["patient_id"])
            out.append(Item(f"ptbxl-processed/{eid}", "ptbxl-processed", str(eid), 500.0,
                            lab.ptbxl_codes(r["scp_codes"]), parse_age(r["age"]), _ptbxl_sex(r["sex"]),
                            f"ptbxl:{pid}" if pid else f"ptbxl-ecg:{eid}", f"ptbxl:{eid}",
                            os.path.join(d, r["path"])))
    return out


def index_ludb(root: str) -> list[Item]:
    out = []
    d = os.path.join(root, "ludb")
    with open(os.path.join(d, "ludb.csv"), newline="") as f:
        for r in csv.DictReader(f):
            rid = r["ID"].strip()
            cells = [v for k, v in r.items() if k not in ("ID", "Sex", "Age")]
            out.append(Item(f"ludb/{rid}", "ludb", rid, 500.0, lab.ludb_codes(cells), parse_age(r["Age"]),
                            parse_sex(r["Sex"]), f"ludb:{rid}", f"ludb:{rid}",
                            os.path.join(d, "data", rid + ".hea")))
    return out


DATASET_PRIORITY = {"ptbxl": 0, "cinc": 1, "ptbxl-processed": 2, "ludb": 3}
EXTRA_DATASETS = ("cinc-extra", "cpsc2018", "ptbxl-extra")

# CinC record-name prefixes -> source database (CinC 2021 data description).
CINC_SOURCES = {"A": "CPSC", "Q": "CPSC", "E": "Georgia", "HR": "PTB-XL", "JS": "Chapman-Ningbo",
                "S": "INCART", "I": "INCART"}
SOURCES = ("CPSC", "Georgia", "PTB-XL", "Chapman-Ningbo", "INCART", "LUDB")


def source_of(dataset: str, record: str) -> str:
    if dataset in ("ptbxl", "ptbxl-processed", "ptbxl-extra"):
        return "PTB-XL"
    if dataset == "ludb":
        return "LUDB"
    if dataset == "cpsc2018":
        return "CPSC"
    prefix = re.match(r"[A-Z]+", record)
    if prefix and prefix.group(0) in CINC_SOURCES:
        return CINC_SOURCES[prefix.group(0)]
    raise ValueError(f"record {dataset}/{record}: no known source for its name prefix")


# ------------------------------------------------------------------------------ extra (issue 15)

# CPSC 2018 REFERENCE.csv label numbers -> the abbreviations of labels.CPSC_TO_SNOMED.
CPSC2018_LABELS = {"1": "Normal", "2": "AF", "3": "I-AVB", "4": "LBBB", "5": "RBBB", "6": "PAC", "7": "PVC",
                   "8": "STD", "9": "STE"}
# ptbxl-extra records without SCP codes carry PTB-XL superclass-level statements only. What they say
# about the 26 classes (the rest stays unknown, masked out of the loss):
# - NORM ("normal ECG", mapped to NSR as PTB-XL's NORM is everywhere here) rules out the conduction,
#   ST-T, rhythm-disorder and ectopy classes that PTB-XL states separately; it says nothing about
#   the sinus rate classes (SB, STach, SA, Brady are rhythm statements), the axis (heart_axis is a
#   separate field), low voltage (LVOLT), pacing or R-wave progression.
# - PAC is a positive; AFIB/AFL rules out NSR but does not say which of AF and AFL; PVC is PTB-XL's
#   VEB, unscored in 2021 as for `ptbxl`; TACHY does not say sinus or not.
PTBXL_NORM_NEGATIVE = ("AF", "AFL", "IAVB", "CRBBB", "CLBBB", "IRBBB", "LAnFB", "NSIVCB", "QAb", "TAb", "TInv",
                       "LQT", "PAC", "PVC", "BBB")


def ptbxl_superclass_labels(statements: list[str]) -> tuple[list[str], tuple[str, ...]]:
    """(SNOMED codes, unknown class abbreviations) for a ptbxl-extra `# Labels:` list."""
    known_neg: set[str] = set()
    pos: list[str] = []
    known_pos: set[str] = set()
    st = {s.strip() for s in statements if s.strip()}
    if "NORM" in st:
        pos.append(lab.PTBXL_SCP_TO_SNOMED["NORM"][0])
        known_pos.add("NSR")
        known_neg.update(PTBXL_NORM_NEGATIVE)
    if "PAC" in st:
        pos.append(lab.PTBXL_SCP_TO_SNOMED["PAC"][0])
        known_pos.add("PAC")
        known_neg.discard("PAC")
    if "AFIB/AFL" in st:
        known_neg.add("NSR")
        known_pos.discard("NSR")
        pos = [c for c in pos if c != lab.PTBXL_SCP_TO_SNOMED["NORM"][0]]
    known = known_pos | known_neg
    return sorted(set(pos)), tuple(a for a in lab.ABBRS if a not in known)


def index_cinc_extra(root: str) -> list[Item]:
    out = []
    d = os.path.join(root, "extra", "cinc-extra")
    for fn in sorted(os.listdir(d)):
        if not fn.endswith(".hea"):
            continue
        h = read_wfdb_header(os.path.join(d, fn))
        rec = fn[:-4]
        out.append(Item(f"cinc-extra/{rec}", "cinc-extra", rec, h.fs, h.dx, h.age, h.sex, f"cinc:{rec}",
                        f"cinc:{rec}", os.path.join(d, fn)))
    return out


def index_cpsc2018(root: str) -> list[Item]:
    d = os.path.join(root, "extra", "cpsc2018")
    with open(os.path.join(d, "REFERENCE.csv"), newline="") as f:
        ref = {r["Recording"]: [r["First_label"], r["Second_label"], r["Third_label"]] for r in csv.DictReader(f)}
    out = []
    for fn in sorted(os.listdir(d)):
        if not fn.endswith(".mat"):
            continue
        rec = fn[:-4]
        if rec not in ref:
            raise ValueError(f"{d}/{fn}: record {rec} is not in REFERENCE.csv")
        codes = lab.cpsc_codes(CPSC2018_LABELS[v] for v in ref[rec] if v.strip())
        m = scipy.io.loadmat(os.path.join(d, fn), squeeze_me=True, struct_as_record=False)["ECG"]
        # Same recordings as CinC A1980-A1989 (extra/cpsc2018/SOURCE.md): one ecg_key with a CinC copy.
        out.append(Item(f"cpsc2018/{rec}", "cpsc2018", rec, 500.0, codes, parse_age(str(m.age)),
                        parse_sex(str(m.sex)), f"cinc:{rec}", f"cinc:{rec}", os.path.join(d, fn)))
    return out


def index_ptbxl_extra(root: str) -> list[Item]:
    d = os.path.join(root, "extra", "ptbxl-extra")
    with open(os.path.join(d, "scp_codes_partial.csv"), newline="") as f:
        scp = {int(r["ecg_id"]): r for r in csv.DictReader(f)}
    out = []
    for fn in sorted(os.listdir(d)):
        if not fn.endswith("_hr.hea"):
            continue
        h = read_wfdb_header(os.path.join(d, fn))
        eid = int(fn.split("_")[0])
        if eid in scp:
            r = scp[eid]
            pid = _pid(r["patient_id"])
            # heart_axis is not in the partial table: the axis classes are unknown.
            codes, unknown = lab.ptbxl_codes(r["scp_codes"]), ("LAD", "RAD")
            patient = f"ptbxl:{pid}" if pid else f"ptbxl-ecg:{eid}"
        else:
            stmts = next((c.split(":", 1)[1].split(",") for c in h.comments if c.lower().startswith("labels:")), [])
            codes, unknown = ptbxl_superclass_labels(stmts)
            patient = f"ptbxl-ecg:{eid}"
        out.append(Item(f"ptbxl-extra/{eid}", "ptbxl-extra", str(eid), h.fs, codes, h.age, h.sex, patient,
                        f"ptbxl:{eid}", os.path.join(d, fn), unknown))
    return out


def build_pool(root: str | None = None, drop_unscored: bool = True, extra: bool = False) -> tuple[list[Item], dict]:
    """All 12-lead labelled items, de-duplicated by ecg_key, plus a summary of what was removed.

    extra=True adds ../shared/data extra's labelled 12-lead sets (EXTRA_DATASETS); an extra copy of an
    ECG already in the base pool never replaces it (the base pool and its folds stay as they are)."""
    root = root or data_root()
    items = index_cinc(root) + index_ptbxl(root) + index_ptbxl_processed(root) + index_ludb(root)
    if extra:
        items += index_cinc_extra(root) + index_cpsc2018(root) + index_ptbxl_extra(root)
    priority = {**DATASET_PRIORITY, **{d: 10 + i for i, d in enumerate(EXTRA_DATASETS)}}
    by_key: dict[str, list[Item]] = {}
    for it in items:
        by_key.setdefault(it.ecg_key, []).append(it)
    kept, dups = [], []
    for k, group in by_key.items():
        group.sort(key=lambda it: priority[it.dataset])
        kept.append(group[0])
        dups += [(g.key, group[0].key) for g in group[1:]]
    # A PTB-XL patient seen in ptbxl must keep one patient id across copies: all PTB-XL-derived items
    # already use "ptbxl:<patient_id>"; CinC HR items without a ptbxl twin keep their own key.
    n_all = len(kept)
    unscored = [it.key for it in kept if not it.target.any()]
    if drop_unscored:
        kept = [it for it in kept if it.target.any()]
    kept.sort(key=lambda it: it.key)
    summary = {"indexed": len(items), "duplicates_removed": len(dups), "unique_ecgs": n_all,
               "unscored_removed": len(unscored) if drop_unscored else 0, "pool": len(kept),
               "by_dataset": {d: sum(it.dataset == d for it in kept) for d in priority if d in DATASET_PRIORITY or extra},
               "duplicates": dups}
    return kept, summary


def load_signal(it: Item) -> np.ndarray:
    """(12, samples) float32 in canonical lead order at it.fs."""
    if it.dataset == "ptbxl-processed":
        return np.load(it.path).astype(np.float32).T.copy()
    if it.dataset == "cpsc2018":  # MATLAB v5 struct ECG.data, 12 x N in mV, standard lead order
        m = scipy.io.loadmat(it.path, squeeze_me=True, struct_as_record=False)["ECG"]
        sig = np.asarray(m.data, dtype=np.float32)
        if sig.ndim != 2 or sig.shape[0] != 12:
            raise ValueError(f"{it.path}: expected ECG.data of 12 x N samples, got shape {sig.shape}")
        return sig
    h, sig = read_wfdb_signal(it.path)
    return to_canonical(sig, h.leads)


# ---------------------------------------------------------------------------------------- cinc2017

def index_cinc2017(root: str | None = None) -> list[tuple[str, str]]:
    """[(record, label in N/A/O/~)] minus the second copy of the two known duplicate pairs."""
    root = root or data_root()
    path = os.path.join(root, "cinc2017", "training2017", "REFERENCE.csv")
    with open(path) as f:
        rows = [tuple(r[:2]) for r in csv.reader(f) if r]
    drop = {"A01176", "A03123"}  # identical recordings of A00227, A02656 (cinc2017/SOURCE.md)
    return [(r, l) for r, l in rows if r not in drop]


def load_cinc2017(record: str, root: str | None = None) -> tuple[float, np.ndarray]:
    root = root or data_root()
    h, sig = read_wfdb_signal(os.path.join(root, "cinc2017", "training2017", record + ".hea"))
    return h.fs, sig


# ------------------------------------------------------------------------------------------- folds

def assign_folds(groups: list[str], targets: np.ndarray, n_folds: int = N_FOLDS, seed: int = FOLD_SEED) -> dict[str, int]:
    """Greedy multilabel-stratified assignment of whole groups (patients) to folds.

    Groups are visited rarest-label first (ties broken by a seeded shuffle); each goes to the fold
    that most needs its labels (largest remaining per-label demand), then the smallest fold.
    """
    rng = np.random.default_rng(seed)
    uniq = sorted(set(groups))
    gidx = {g: i for i, g in enumerate(uniq)}
    gt = np.zeros((len(uniq), targets.shape[1]))
    gsize = np.zeros(len(uniq))
    for g, t in zip(groups, targets):
        gt[gidx[g]] += t
        gsize[gidx[g]] += 1
    label_total = gt.sum(0)
    demand = np.tile(label_total / n_folds, (n_folds, 1))
    size_demand = np.full(n_folds, len(groups) / n_folds)
    order = rng.permutation(len(uniq))
    rarity = np.array([label_total[gt[i] > 0].min() if (gt[i] > 0).any() else np.inf for i in range(len(uniq))])
    order = order[np.argsort(rarity[order], kind="stable")]
    out = {}
    for i in order:
        score = (demand * (gt[i] > 0)).sum(1) if (gt[i] > 0).any() else np.zeros(n_folds)
        best = np.lexsort((-size_demand, -score))[0]
        out[uniq[i]] = int(best)
        demand[best] -= gt[i]
        size_demand[best] -= gsize[i]
    return out


def make_folds(pool: list[Item], n_folds: int = N_FOLDS, seed: int = FOLD_SEED) -> dict[str, int]:
    targets = np.stack([it.target for it in pool])
    gf = assign_folds([it.patient for it in pool], targets, n_folds, seed)
    return {it.key: gf[it.patient] for it in pool}


def make_extra_folds(base_pool: list[Item], base_folds: dict[str, int], extra_items: list[Item],
                     n_folds: int = N_FOLDS, seed: int = FOLD_SEED) -> dict[str, int]:
    """Folds of the extra records, leaving the base pool's folds as they are: a patient already in the
    base pool keeps its fold; partly labelled records (Item.unknown) of new patients are -1 (training
    only, in every fold's training set); the rest are stratified among themselves. A partly labelled
    record is never scored: training drops it from validation and test folds (train.py)."""
    patient_fold = {it.patient: base_folds[it.key] for it in base_pool}
    out, rest = {}, []
    for it in extra_items:
        if it.patient in patient_fold:
            out[it.key] = patient_fold[it.patient]
        elif it.unknown:
            out[it.key] = -1
        else:
            rest.append(it)
    if rest:
        gf = assign_folds([it.patient for it in rest], np.stack([it.target for it in rest]), n_folds, seed)
        out.update({it.key: gf[it.patient] for it in rest})
    return out


def extended_pool(root: str | None = None) -> tuple[list[Item], dict[str, int]]:
    """The pool with extra's labelled sets and every record's fold (base folds unchanged)."""
    pool, _ = build_pool(root, extra=True)
    doc = read_folds()
    folds = {**doc["twelve_lead"], **doc["twelve_lead_extra"]}
    missing = [it.key for it in pool if it.key not in folds]
    if missing:
        raise ValueError(f"tools/train/folds.json has no fold for {len(missing)} records (e.g. {missing[0]}); "
                         "run `python3 -m tools.train.data --write-folds`")
    return pool, folds


def make_cinc2017_folds(rows: list[tuple[str, str]], n_folds: int = N_FOLDS, seed: int = FOLD_SEED) -> dict[str, int]:
    """Stratified by class; CinC 2017 gives no patient ids, so records are the split unit."""
    rng = np.random.default_rng(seed)
    out = {}
    for c in lab.CINC2017_CLASSES:
        recs = sorted(r for r, l in rows if l == c)
        perm = rng.permutation(len(recs))
        for j, p in enumerate(perm):
            out[recs[p]] = int(j % n_folds)
    return out


def write_folds(path: str = FOLDS_JSON, root: str | None = None) -> dict:
    pool, summary = build_pool(root)
    folds = make_folds(pool)
    base = {it.key for it in pool}
    ext, ext_summary = build_pool(root, extra=True)
    extra_folds = make_extra_folds(pool, folds, [it for it in ext if it.key not in base])
    c17 = index_cinc2017(root)
    doc = {
        "about": "5-fold patient-level splits written by `python3 -m tools.train.data --write-folds`",
        "seed": FOLD_SEED, "n_folds": N_FOLDS,
        "summary": {k: v for k, v in summary.items() if k != "duplicates"},
        "duplicates_removed": summary["duplicates"],
        "twelve_lead": folds,
        "about_twelve_lead_extra": "records of ../shared/data extra (issue 15), not seen by models trained before it; "
                                   "-1 = partly labelled, training only",
        "extra_summary": {k: v for k, v in ext_summary.items() if k != "duplicates"},
        "twelve_lead_extra": extra_folds,
        "cinc2017": make_cinc2017_folds(c17),
    }
    with open(path, "w") as f:
        json.dump(doc, f, indent=0, sort_keys=True)
        f.write("\n")
    return doc


def read_folds(path: str = FOLDS_JSON) -> dict:
    with open(path) as f:
        return json.load(f)


def main() -> None:
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write-folds", action="store_true")
    ap.add_argument("--summary", action="store_true")
    ap.add_argument("--extra", action="store_true", help="with --summary: the pool with extra's labelled sets")
    a = ap.parse_args()
    if a.write_folds:
        doc = write_folds()
        print(json.dumps(doc["summary"], indent=1))
    if a.summary and a.extra:
        pool, s = build_pool(extra=True)
        _, folds = extended_pool()
        base = {it.key for it in build_pool()[0]}
        print(json.dumps({k: v for k, v in s.items() if k != "duplicates"}, indent=1))
        print("duplicates of extra records:", [d for d in s["duplicates"] if d[0].split("/")[0] in EXTRA_DATASETS])
        added = [it for it in pool if it.key not in base]
        t = np.stack([it.target for it in added])
        k = np.stack([it.known for it in added])
        print("added per dataset:", {d: sum(it.dataset == d for it in added) for d in EXTRA_DATASETS},
              "training only (partly labelled):", sum(folds[it.key] == -1 for it in added))
        print("class  added positives (of them in partly labelled records)  known-negative  by dataset")
        for j, a_ in enumerate(lab.ABBRS):
            byd = {d: int(sum(t[i, j] for i, it in enumerate(added) if it.dataset == d)) for d in EXTRA_DATASETS}
            part = int(sum(t[i, j] for i, it in enumerate(added) if it.unknown))
            print(f"{a_:6s} {int(t[:, j].sum()):4d} ({part})  {int(((1 - t[:, j]) * k[:, j]).sum()):4d}  {byd}")
        print("sources:", {src: sum(it.source == src for it in pool) for src in SOURCES})
    elif a.summary:
        pool, s = build_pool()
        folds = read_folds()["twelve_lead"]
        t = np.stack([it.target for it in pool])
        f = np.array([folds[it.key] for it in pool])
        print(json.dumps({k: v for k, v in s.items() if k != "duplicates"}, indent=1))
        print("class  total  " + "  ".join(f"f{k}" for k in range(N_FOLDS)))
        for j, a_ in enumerate(lab.ABBRS):
            print(f"{a_:6s} {int(t[:, j].sum()):5d}  " + "  ".join(f"{int(t[f == k, j].sum()):3d}" for k in range(N_FOLDS)))
        print("records per fold:", [int((f == k).sum()) for k in range(N_FOLDS)])


if __name__ == "__main__":
    main()

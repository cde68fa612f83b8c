"""Class decisions that change between clean and noisy copies (docs/quality.md).

usage: python3 tools/bench/quality_flips.py CLEAN.jsonl NOISY.jsonl
Both files are `ecg-screen screen` output (one Findings JSON per line) for the same records in the
same order; a noisy copy is "flagged" when its findings are inconclusive.
"""
import json
import sys


def load(path):
    return [json.loads(line) for line in open(path) if line.strip()]


def positives(f):
    return {c["abbr"] for c in f["classes"] if c["decision"]}


def main(clean_path, noisy_path):
    clean, noisy = load(clean_path), load(noisy_path)
    assert len(clean) == len(noisy), "clean and noisy runs differ in length"
    flips = flips_unflagged = records_unflagged = flagged = clean_flagged = records = 0
    for c, n in zip(clean, noisy):
        d = positives(c) ^ positives(n)
        flips += len(d)
        records += bool(d)
        clean_flagged += c["inconclusive"]
        if n["inconclusive"]:
            flagged += 1
        else:
            flips_unflagged += len(d)
            records_unflagged += bool(d)
    print(f"records: {len(clean)}; clean copies inconclusive: {clean_flagged}; noisy copies inconclusive (flagged): {flagged}")
    print(f"class decisions that change: {flips} in {records} records; on copies not flagged: {flips_unflagged} in {records_unflagged} records")
    # How far the probabilities move, and how many clean ones sit near their threshold (a decision
    # there flips with any small change).
    moves = [abs(a["probability"] - b["probability"]) for c, n in zip(clean, noisy) for a, b in zip(c["classes"], n["classes"])
             if a.get("probability") is not None and b.get("probability") is not None]
    near = sum(1 for c in clean for a in c["classes"]
               if a.get("probability") is not None and a.get("threshold") and abs(a["probability"] - a["threshold"]) < 0.05)
    if moves:
        print(f"class probability change: mean {sum(moves) / len(moves):.3f}, largest {max(moves):.2f}; "
              f"clean probabilities within 0.05 of their threshold: {near}")


if __name__ == "__main__":
    main(*sys.argv[1:3])

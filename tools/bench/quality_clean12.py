"""How often the quality gate marks leads of ordinary diagnostic 12-lead records unusable.

Usage: /usr/bin/python3 tools/bench/quality_clean12.py [--fold 0] [--bin build/native/ecg-screen]
Reads build/rules-labels.csv (python3 -m tools.bench.rules_labels > build/rules-labels.csv) and the
twelve-lead folds of tools/train/folds.json; runs `ecg-screen quality` on the records of that fold
(the shipped models' test fold 0 by default) and prints, per dataset, the records with at least one
unusable lead and the reasons given. An unusable lead is zeroed before the rules and the model, so on
these (mostly clean, hospital) records every such lead is a cost; the target is close to none.
"""
import argparse
import collections
import csv
import json
import subprocess

ap = argparse.ArgumentParser()
ap.add_argument('--fold', type=int, default=0)
ap.add_argument('--bin', default='build/native/ecg-screen')
ap.add_argument('--labels', default='build/rules-labels.csv')
a = ap.parse_args()
folds = json.load(open('tools/train/folds.json'))['twelve_lead']
rows = [r for r in csv.DictReader(open(a.labels)) if folds.get(r['key']) == a.fold]
out = subprocess.run([a.bin, 'quality'] + [r['path'] for r in rows], capture_output=True, text=True, check=True).stdout.splitlines()
total, flagged, leads = collections.Counter(), collections.Counter(), collections.Counter()
reasons = collections.Counter()
for line, r in zip(out, rows):
    j = json.loads(line)
    total[r['dataset']] += 1
    bad = [l for l in j['lead_quality'] if not l['usable']]
    if bad:
        flagged[r['dataset']] += 1
        leads[r['dataset']] += len(bad)
    for l in j['lead_quality']:
        for reason in l['reasons']:
            reasons[reason.split(':')[0]] += 1
print(f'Fold {a.fold} twelve-lead records (tools/train/folds.json), `ecg-screen quality`:\n')
print('| dataset | records | with an unusable lead | unusable leads |\n|---|---|---|---|')
for d in sorted(total):
    print(f'| {d} | {total[d]} | {flagged[d]} ({100 * flagged[d] / total[d]:.1f} %) | {leads[d]} |')
n, f = sum(total.values()), sum(flagged.values())
print(f'| all | {n} | {f} ({100 * f / max(1, n):.1f} %) | {sum(leads.values())} |\n')
print('Reasons of unusable leads (first words): ' + ', '.join(f'{k} {v}' for k, v in reasons.most_common()))

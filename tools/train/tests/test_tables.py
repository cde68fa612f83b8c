"""tools.train.tables: cells are mean ± sd over the folds whose results.json exists; --write replaces
only the marked section."""
import json
import os
import tempfile
import unittest

from tools.train import tables


def fake_run(root, name, fold, lead_sets):
    d = os.path.join(root, f"{name}-f{fold}")
    os.makedirs(d)
    with open(os.path.join(d, "results.json"), "w") as f:
        json.dump({"test_fold": fold, "lead_sets": {ls: {"test": {"challenge_metric": v, "macro_f1": v / 2,
                                                                   "macro_auroc": 0.7, "macro_auprc": 0.2}}
                                                     for ls, v in lead_sets.items()}}, f)


class TablesTest(unittest.TestCase):
    def test_cells_and_write(self):
        with tempfile.TemporaryDirectory() as root:
            fake_run(root, "lrhnet-12", 0, {"12": 0.2})
            fake_run(root, "lrhnet-12", 1, {"12": 0.4})
            os.makedirs(os.path.join(root, "lrhnet-12-f2"))  # unfinished: no results.json
            fake_run(root, "leadwise", 0, {"12": 0.3, "2": 0.1})
            self.assertEqual(tables.cell(root, "lrhnet-{L}", "12"), "0.300 ± 0.141 (2)")
            self.assertEqual(tables.cell(root, "leadwise", "2"), "0.100 (1)")
            self.assertEqual(tables.cell(root, "lrhnet-{L}", "6"), "–")
            text = tables.tables(root)
            self.assertIn("| LRH-Net | 0.300 ± 0.141 (2) | – | – | – | – |", text)
            self.assertIn("| lead-wise multi-branch CNN (one model, every lead set) | 0.300 (1) | – | – | – | 0.100 (1) |", text)
            doc = os.path.join(root, "results.md")
            with open(doc, "w") as f:
                f.write(f"intro\n{tables.BEGIN}\nSTALE-TABLES\n{tables.END}\noutro\n")
            import sys
            argv = sys.argv
            sys.argv = ["tables", root, "--write", doc]
            try:
                tables.main()
            finally:
                sys.argv = argv
            with open(doc) as f:
                written = f.read()
            self.assertTrue(written.startswith("intro\n" + tables.BEGIN + "\n### Table 1"))
            self.assertTrue(written.endswith(tables.END + "\noutro\n"))
            self.assertNotIn("STALE-TABLES", written)


class PairedTest(unittest.TestCase):
    def test_differences_use_only_folds_both_rows_finished(self):
        with tempfile.TemporaryDirectory() as root:
            for fold, (a, b) in enumerate([(0.5, 0.25), (0.25, 0.5), (0.5, 0.0)]):
                fake_run(root, "mobilenet1d-12", fold, {"12": a})
                if fold < 2:
                    fake_run(root, "lrhnet-12", fold, {"12": b})
            fake_run(root, "lrhnet-12", 4, {"12": 0.1})  # no partner fold
            self.assertEqual(tables.paired(root, "mobilenet1d-{L}", "lrhnet-{L}", "12"), "+0.000 ± 0.354 (higher on 1 of 2)")
            self.assertEqual(tables.paired(root, "mobilenet1d-{L}", "lrhnet-{L}", "6"), "–")
            self.assertIn("| MobileNet-style | LRH-Net | +0.000 ± 0.354 (higher on 1 of 2) | – |", tables.tables(root))


class ModelCardTest(unittest.TestCase):
    def test_card_states_spread_own_fold_and_lead_sets(self):
        from tools.train import summarize
        model_file = os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests", "fixtures", "nn", "tiny-leadwise.safetensors")
        with tempfile.TemporaryDirectory() as root:
            for fold, v in ((0, 0.2), (1, 0.4)):
                fake_run(root, "leadwise", fold, {"12": v, "2": v / 2})
                p = os.path.join(root, f"leadwise-f{fold}", "results.json")
                with open(p) as f:
                    r = json.load(f)
                r.update(val_fold=fold + 1, command=f"python3 -m tools.train.train --fold {fold}", n_train=3, n_val=1, n_test=1)
                with open(p, "w") as f:
                    json.dump(r, f)
            runs = [os.path.join(root, f"leadwise-f{k}") for k in (0, 1)]
            card = summarize.model_card("leadwise", model_file, runs, runs[0])
        self.assertIn("| 12 | 2 | 0.300 ± 0.141 |", card)
        self.assertIn("| 2 | 2 | 0.150 ± 0.071 |", card)
        self.assertIn("fold-0 model; on its own test fold it scores a challenge metric of 0.200 (12 leads); 0.100 (2 leads).", card)
        self.assertIn("- Lead sets (one backbone, one head per set", card)
        self.assertIn("validation fold 1.", card)
        self.assertIn("`python3 -m tools.train.train --fold 0`", card)


class PerClassTest(unittest.TestCase):
    def test_rows_sorted_by_class_with_undefined_cells_as_dashes(self):
        from tools.train import labels as lab, summarize
        n = lab.N_CLASSES
        with tempfile.TemporaryDirectory() as root:
            d = os.path.join(root, "run-f0")
            os.makedirs(d)
            f1 = [0.5] * n
            auroc = [0.75] * n
            auroc[lab.ABBRS.index("BBB")] = None  # no positive in the test fold
            with open(os.path.join(d, "results.json"), "w") as f:
                json.dump({"test_fold": 0, "lead_sets": {"12": {"thresholds": [0.25] * n, "test": {
                    "f1": f1, "auroc": auroc, "auprc": [0.125] * n}}}}, f)
            positives = [3] * n
            positives[lab.ABBRS.index("BBB")] = 0
            table = summarize.per_class_table(d, "12", positives)
        lines = table.strip().splitlines()
        self.assertEqual(len(lines), 2 + n)
        self.assertEqual([l.split(" | ")[0][2:] for l in lines[2:]], sorted(lab.ABBRS))
        self.assertIn("| AF | 3 | 0.500 | 0.750 | 0.125 | 0.250 |", lines)
        self.assertIn("| BBB | 0 | – | – | 0.125 | 0.250 |", lines)


if __name__ == "__main__":
    unittest.main()

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


class Issue15TablesTest(unittest.TestCase):
    def run_with(self, root, name, fold, v, **extra):
        fake_run(root, name, fold, {"12": v})
        p = os.path.join(root, f"{name}-f{fold}", "results.json")
        with open(p) as f:
            r = json.load(f)
        r.update(best_epoch=extra.get("best", 8), epochs_run=extra.get("ran", 8), seconds=120.0, history=[],
                 config={"epochs": 8}, n_test=10, n_train=50)
        with open(p, "w") as f:
            json.dump(r, f)
        return p

    def test_recipes_pieces_and_loso(self):
        with tempfile.TemporaryDirectory() as root:
            for fold, (a, b) in enumerate([(0.5, 0.4), (0.45, 0.5)]):
                self.run_with(root, "m12-r3", fold, a, best=12, ran=17)
                self.run_with(root, "m12-r0", fold, b)
            # a leave-one-source-out run is a folder named <recipe>-loso-<source>
            p = self.run_with(root, "loso", 0, 0.30)
            os.rename(os.path.dirname(p), os.path.join(root, "m12-r3-loso-Georgia"))
            text = tables.tables15(root)
            self.assertIn("| r3: r2 + asymmetric loss | 12 | 0.475 ± 0.035 (2) |", text)
            self.assertIn("| 12–12 of 17–17 | 2.0 |", text)
            self.assertIn("| the whole recipe (r3 − r0) | r3 | r0 | +0.025 ± 0.106 (higher on 1 of 2) | – |", text)
            self.assertIn("| r3 | 12 | Georgia | 10 | 50 | 0.300 |", text)
            self.assertIn("| r3 | 12 | CPSC | – |", text)
            self.assertNotIn("| r3 | 2 | CPSC |", text)  # no 2-lead leave-one-source-out run: no rows
            self.assertIn("r3, 12 leads: leave-one-source-out mean 0.300 over 1 sources against five-fold 0.475: gap 0.175", text)


class FinalPlanTest(unittest.TestCase):
    def test_lr_drops_from_history(self):
        from tools.train import final
        hist = [[e, 0, 0, 0, 0, 0, lr] for e, lr in enumerate([3e-3, 3e-3, 3e-3, 3e-4, 3e-4, 3e-5], start=1)]
        self.assertEqual(final.lr_drop_epochs(hist), [3, 5])
        self.assertEqual(final.lr_drop_epochs([[1, 0, 0, 0, 0, 0]]), [])  # runs logged before lr was

    def test_plan_refuses_runs_that_are_not_five_folds_of_one_recipe(self):
        from tools.train import final
        with tempfile.TemporaryDirectory() as root:
            runs = []
            for fold in range(4):
                p = os.path.join(root, f"r-f{fold}")
                os.makedirs(p)
                with open(os.path.join(p, "results.json"), "w") as f:
                    json.dump({"test_fold": fold, "config": {"fold": fold}}, f)
                runs.append(p)
            with self.assertRaisesRegex(ValueError, "test folds 0-4 of one recipe, got test folds \\[0, 1, 2, 3\\]"):
                final.plan(runs, "12")

"""Training smoke test: a few steps on the fixture records; the loss decreases and the export round-trips."""
import json
import os
import tempfile
import time
import unittest

import numpy as np
import torch

from tools.train import export as E, train


class TestSmoke(unittest.TestCase):
    def test_few_steps_loss_decreases_and_export_roundtrips(self):
        t0 = time.time()
        with tempfile.TemporaryDirectory() as d:
            os.environ["ECG_TRAIN_CACHE"] = os.path.join(d, "cache")
            train.CACHE = os.environ["ECG_TRAIN_CACHE"]
            args = train.parse_args(["--data", "fixtures", "--model", "lrhnet", "--leads", "12", "--fold", "0",
                                     "--epochs", "6", "--batch", "3", "--lr", "0.003", "--de-iter", "2", "--input-len", "1024",
                                     "--out", d, "--export", "smoke-lrhnet"])
            res = train.train(args)
            losses = [h[1] for h in res["history"]]
            self.assertLess(losses[-1], losses[0], f"training loss did not decrease: {losses}")
            with open(os.path.join(d, "log.tsv")) as f:
                self.assertEqual(len(f.read().strip().splitlines()), 1 + 6)
            with open(os.path.join(d, "results.json")) as f:
                self.assertIn("12", json.load(f)["lead_sets"])
            doc, tensors = E.load_model_file(os.path.join(d, "smoke-lrhnet.safetensors"))
            model, _ = train.load_checkpoint(os.path.join(d, "model.pt"))
            ecg = np.random.default_rng(1).standard_normal((12, doc["input_len"])).astype(np.float32)
            demo = np.array([0.4, 1, 0, 1, 1], np.float32)
            got = E.run_graph(doc, tensors, {"ecg": ecg, "demographics": demo})["logits"]
            np.testing.assert_allclose(got, E.torch_outputs(model, ecg, demo)["logits"], atol=2e-4, rtol=1e-4)
            self.assertEqual(doc["decision"]["thresholds"], res["lead_sets"]["12"]["thresholds"])
        self.assertLess(time.time() - t0, 60)

    def test_distillation_with_augmentation(self):
        """--kd with --augment / --lead-dropout: the teacher sees the student's noisy crop (all 12 leads);
        a teacher trained on other input preprocessing is refused."""
        with tempfile.TemporaryDirectory() as d:
            os.environ["ECG_TRAIN_CACHE"] = os.path.join(d, "cache")
            train.CACHE = os.environ["ECG_TRAIN_CACHE"]
            common = ["--data", "fixtures", "--model", "lrhnet", "--batch", "3", "--de-iter", "2", "--input-len", "512",
                      "--augment", "1", "--lead-dropout", "0.5", "--bandpass", "0.67,45", "--fir-taps", "1029"]
            train.train(train.parse_args(common + ["--leads", "12", "--epochs", "1", "--out", os.path.join(d, "t")]))
            teacher = os.path.join(d, "t", "model.pt")
            res = train.train(train.parse_args(common + ["--leads", "2", "--epochs", "2", "--kd", "vanilla", "--teacher", teacher,
                                                         "--out", os.path.join(d, "s")]))
            self.assertTrue(all(np.isfinite(h[1]) for h in res["history"]))
            other = [a for a in common if a not in ("--bandpass", "0.67,45", "--fir-taps", "1029")]
            with self.assertRaisesRegex(ValueError, "trained on input preprocessed as .*0.67.* the student's is .*0.5"):
                train.train(train.parse_args(other + ["--leads", "2", "--epochs", "1", "--kd", "vanilla", "--teacher", teacher,
                                                      "--out", os.path.join(d, "s2")]))

    def test_early_stopping_and_final_run(self):
        with tempfile.TemporaryDirectory() as d:
            os.environ["ECG_TRAIN_CACHE"] = os.path.join(d, "cache")
            train.CACHE = os.environ["ECG_TRAIN_CACHE"]
            common = ["--data", "fixtures", "--model", "lrhnet", "--leads", "2", "--batch", "3", "--de-iter", "2",
                      "--input-len", "512"]
            # lr 0: the validation AUPRC never improves after epoch 1, so patience 2 stops after epoch 3
            res = train.train(train.parse_args(common + ["--epochs", "9", "--patience", "2", "--schedule", "plateau",
                                                         "--lr", "0", "--out", os.path.join(d, "es")]))
            self.assertEqual((res["best_epoch"], res["epochs_run"]), (1, 3))
            self.assertTrue(os.path.exists(os.path.join(d, "es", "predictions.npz")))
            plan = os.path.join(d, "plan.json")
            thr = [0.25] * 26
            with open(plan, "w") as f:
                json.dump({"thresholds": thr, "runs": ["a-f0", "a-f1"], "cv_metrics": {"challenge_metric": 0.5}}, f)
            res = train.train(train.parse_args(common + ["--epochs", "2", "--final", plan, "--out", os.path.join(d, "fin"),
                                                         "--export", "fin"]))
            self.assertEqual((res["n_train"], res["epochs_run"]), (5, 2))  # every fixture record trains
            doc, _ = E.load_model_file(os.path.join(d, "fin", "fin.safetensors"))
            self.assertEqual(doc["decision"]["thresholds"], thr)
            self.assertEqual(doc["metrics"], {"2": {"challenge_metric": 0.5}})
            with self.assertRaisesRegex(ValueError, "--final trains a fixed number of epochs"):
                train.train(train.parse_args(common + ["--final", plan, "--patience", "2", "--out", os.path.join(d, "x")]))


if __name__ == "__main__":
    unittest.main()

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


if __name__ == "__main__":
    unittest.main()

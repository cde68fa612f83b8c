"""Rhythm model (CinC 2017, one lead): the CinC 2017 score, windows, and a smoke run on the fixture records."""
import os
import tempfile
import time
import unittest

import numpy as np
import torch

from tools.train import export as E, models as M, rhythm as R


class TestScore(unittest.TestCase):
    def test_cinc2017_f1_is_the_official_formula(self):
        # rows = reference N, A, O, ~; columns = predicted
        c = np.array([[50, 2, 5, 1], [1, 8, 1, 0], [6, 1, 20, 1], [1, 0, 1, 2]])
        s = R.cinc2017_scores(c)
        f1 = {k: 2 * c[i, i] / (c[i].sum() + c[:, i].sum()) for i, k in enumerate("NAO~")}
        for k in "NAO~":
            self.assertAlmostEqual(s["f1"][k], f1[k])
        self.assertAlmostEqual(s["macro_f1_nao"], (f1["N"] + f1["A"] + f1["O"]) / 3)  # ~ is not in the score
        self.assertAlmostEqual(s["accuracy"], 80 / c.sum())
        np.testing.assert_array_equal(R.confusion(np.array([0, 1, 1, 3]), np.array([0, 1, 2, 3])),
                                      [[1, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 0], [0, 0, 0, 1]])

    def test_crop_pads_short_records_on_the_right_like_the_runtime(self):
        rng = np.random.default_rng(0)
        x = np.arange(1, 6, dtype=np.float32)[None]
        np.testing.assert_array_equal(R.crop(x, 8, rng), [[1, 2, 3, 4, 5, 0, 0, 0]])
        self.assertEqual(R.crop(np.ones((1, 20), np.float32), 8, rng).shape, (1, 8))

    def test_predict_averages_softmax_over_the_runtime_windows(self):
        torch.manual_seed(0)
        model = M.RhythmNet(1, 4, channels=(4, 4, 8)).eval()
        x = np.random.default_rng(1).standard_normal((1, int(R.INPUT_LEN * 1.7))).astype(np.float32)
        p = R.predict(model, [x])[0]
        w = torch.from_numpy(np.stack([x[:, s:s + R.INPUT_LEN] for s in (0, R.STRIDE, x.shape[1] - R.INPUT_LEN)]))
        with torch.no_grad():
            want = torch.softmax(model(w), 1).mean(0).numpy()
        np.testing.assert_allclose(p, want, rtol=1e-5, atol=1e-6)
        self.assertAlmostEqual(float(p.sum()), 1.0, places=6)

    def test_validation_split_is_stratified_disjoint_and_seeded(self):
        tr = [(f"r{i}", i % 4 if i < 200 else 0) for i in range(400)]  # class 0: 250 records, 1-3: 50 each
        a, v = R.validation_split(tr, 0.1, seed=3)
        self.assertEqual(len(a) + len(v), len(tr))
        self.assertFalse({r for r, _ in a} & {r for r, _ in v})
        self.assertEqual([sum(1 for _, y in v if y == c) for c in range(4)], [25, 5, 5, 5])
        self.assertEqual(R.validation_split(tr, 0.1, seed=3), (a, v))
        self.assertNotEqual(R.validation_split(tr, 0.1, seed=4)[1], v)
        self.assertEqual(R.validation_split(tr, 0.0, seed=3), (tr, []))

    def test_augmented_crop_without_noise_is_the_runtime_zscore(self):
        from tools.train import preprocess as P
        rng = np.random.default_rng(5)
        mv = (0.3 * rng.standard_normal((1, 3000))).astype(np.float32)
        mu, sd = mv.astype(np.float64).mean(-1), mv.astype(np.float64).std(-1)
        fir = P.bandpass_filter(R.FS, *R.PREPROCESS["bandpass_hz"], R.PREPROCESS["fir_taps"])
        got = R.augmented(mv, (mu, sd), 1950, 0.0, fir, np.random.default_rng(9))
        s = int(np.random.default_rng(9).integers(0, 3000 - 1950 + 1))  # the crop's start, same draw
        np.testing.assert_allclose(got, (mv[:, s:s + 1950] - mu[:, None]) / (sd[:, None] + R.PREPROCESS["epsilon"]), rtol=1e-5, atol=1e-5)
        noisy = R.augmented(mv, (mu, sd), 1950, 1.0, fir, np.random.default_rng(9))
        self.assertEqual(noisy.shape, (1, 1950))
        short = R.augmented(mv[:, :1000], (mu, sd), 1950, 1.0, fir, rng)
        np.testing.assert_array_equal(short[:, 1000:], 0)  # zero padding stays zero, noise or not

    def test_plateau_needs_a_validation_share(self):
        with self.assertRaisesRegex(ValueError, "needs --val-share"):
            R.train(R.parse_args(["--data", "fixtures", "--schedule", "plateau", "--out", tempfile.mkdtemp()]))


class TestSmoke(unittest.TestCase):
    def test_few_steps_loss_decreases_and_export_roundtrips(self):
        t0 = time.time()
        with tempfile.TemporaryDirectory() as d:
            cache = R.CACHE
            R.CACHE = os.path.join(d, "cache")
            try:
                args = R.parse_args(["--data", "fixtures", "--fold", "1", "--epochs", "8", "--batch", "2", "--lr", "0.01",
                                     "--channels", "8,8,16,16", "--input-len", "1024", "--threads", "1",
                                     "--out", d, "--export", "smoke-rhythm"])
                res = R.train(args)
            finally:
                R.CACHE = cache
                R.INPUT_LEN, R.STRIDE = 1950, 975
            losses = [h[1] for h in res["history"]]
            self.assertLess(losses[-1], losses[0], f"training loss did not decrease: {losses}")
            self.assertEqual((res["n_train"], res["n_test"]), (1, 1))  # A00001 (N) trains, A00004 (A) tests
            self.assertEqual(int(np.sum(res["test"]["confusion"])), 1)
            doc, tensors = E.load_model_file(os.path.join(d, "smoke-rhythm.safetensors"))
            self.assertEqual(doc["task"], "rhythm")
            self.assertEqual(doc["decision"], {"rule": "argmax"})
            self.assertEqual([g["name"] for g in doc["graph"]["inputs"]], ["ecg"])
            self.assertEqual(doc["leads"], ["I"])
            self.assertEqual((doc["fs_hz"], doc["input_len"], doc["preprocess"]["window_stride"]), (130, 1024, 512))
            self.assertEqual([c["abbr"] for c in doc["classes"]], ["NSR", "AF", "OTHER", "NOISY"])
            model, _ = R.load_checkpoint(os.path.join(d, "model.pt"))
            ecg = np.random.default_rng(1).standard_normal((1, doc["input_len"])).astype(np.float32)
            got = E.run_graph(doc, tensors, {"ecg": ecg})["logits"]
            np.testing.assert_allclose(got, E.torch_outputs(model, ecg, None)["logits"], atol=2e-4, rtol=1e-4)
        self.assertLess(time.time() - t0, 30)


if __name__ == "__main__":
    unittest.main()

"""Learned QRS detector (task "qrs"): the robust scale, the candidate rule, the MIT format-212 reader,
the noise augmentation's SNR, and an exported graph that equals PyTorch."""
import os
import tempfile
import unittest

import numpy as np
import torch

from tools.train import export as E, qrs as Q

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests", "fixtures")


class TestScale(unittest.TestCase):
    def test_block_range_is_the_upper_median_of_one_second_ranges(self):
        x = np.concatenate([np.linspace(0, r, Q.FS) for r in (1.0, 4.0, 2.0, 3.0)]).astype(np.float32)
        self.assertAlmostEqual(Q.block_range_scale(x), 3.0, places=6)  # sorted 1 2 3 4 → index 2
        self.assertAlmostEqual(Q.block_range_scale(x[:50]), float(x[:50].max() - x[:50].min()), places=6)  # shorter than a block

    def test_artefact_spikes_do_not_move_the_scale_but_they_move_a_zscore(self):
        t = np.arange(10 * Q.FS) / Q.FS
        x = np.sin(2 * np.pi * 1.2 * t).astype(np.float32)
        spiky = x.copy()
        spiky[[120, 480, 777]] = 60.0
        self.assertAlmostEqual(Q.block_range_scale(spiky), Q.block_range_scale(x), delta=1e-3 + 0.05 * Q.block_range_scale(x))
        self.assertGreater(spiky.std() / x.std(), 3)


class TestPeaks(unittest.TestCase):
    def test_runs_above_threshold_give_weighted_centres_and_refractory_keeps_the_stronger(self):
        p = np.zeros(200, np.float32)
        p[10:13] = [0.6, 0.9, 0.6]  # centre 11
        p[50:52] = [0.5, 1.0]       # centre (50·0.5 + 51·1)/1.5
        p[60:62] = [0.7, 0.7]       # 10 samples after: refractory (25); weaker (0.7 < 1.0) → dropped
        p[100:102] = [0.55, 0.55]   # centre 100.5
        p[110:112] = [0.9, 0.9]     # within 25 of 100.5 and stronger → replaces it
        got = Q.peaks(p)
        np.testing.assert_allclose(got, [11.0, (25 + 51) / 1.5, 110.5], atol=1e-6)
        self.assertEqual(Q.peaks(np.full(50, 0.49, np.float32)).size, 0)


class TestGate(unittest.TestCase):
    def test_a_candidate_far_smaller_than_its_neighbours_is_dropped(self):
        x = np.zeros(2000, np.float32)
        c = np.arange(50, 1950, 100).astype(np.float64)
        for v in c:
            x[int(v)] = 1.0
        x[int(c[5])] = 0.09  # below 0.1 of the neighbours' median (1.0): dropped
        x[int(c[9])] = 0.11  # above: kept
        got = Q.amplitude_gate(x, c)
        self.assertNotIn(c[5], got)
        self.assertIn(c[9], got)
        self.assertEqual(got.size, c.size - 1)
        # bigeminy: small beats (0.25) between large ones (1.0) all stay
        x[:] = 0
        for k, v in enumerate(c):
            x[int(v)] = 1.0 if k % 2 else 0.25
        self.assertEqual(Q.amplitude_gate(x, c).size, c.size)


class TestData(unittest.TestCase):
    def test_format_212_reader_gives_mv_of_mitbih_100(self):
        fs, sig = Q.read_212(os.path.join(FIXTURES, "mitbih", "100_10s.hea"))
        self.assertEqual(fs, 360.0)
        self.assertEqual(sig.shape, (2, 3600))
        # the header's initial values (995, 1011 adu; baseline 1024, 200 adu/mV) are the first samples
        np.testing.assert_allclose(sig[:, 0], [(995 - 1024) / 200, (1011 - 1024) / 200], atol=1e-6)
        self.assertTrue(0.8 < np.percentile(sig[0], 99.9) - np.percentile(sig[0], 0.1) < 3.0)  # MLII QRS ~1-2 mV

    def test_noise_is_added_at_about_the_drawn_snr_and_seeded(self):
        x = np.zeros(Q.CROP, np.float32)
        x[::80] = 1.0
        a = Q.add_noise(x, np.random.default_rng(5))
        b = Q.add_noise(x, np.random.default_rng(5))
        np.testing.assert_array_equal(a, b)
        self.assertFalse(np.array_equal(a, x))


class TestExport(unittest.TestCase):
    def test_exported_graph_equals_pytorch_and_declares_task_qrs(self):
        torch.manual_seed(0)
        model = Q.QrsNet(c=4, dilations=(1, 2)).eval()
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm1d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "qrs.safetensors")
            doc = Q.export(model, path, {"note": "test"})
            self.assertEqual(doc["task"], "qrs")
            self.assertEqual(doc["decision"], {"rule": "peaks", "threshold": Q.THRESHOLD, "refractory_s": Q.REFRACTORY_S,
                                               "min_relative_amplitude": Q.MIN_RELATIVE_AMPLITUDE})
            self.assertEqual(doc["preprocess"]["normalize"], "block_range_per_lead")
            self.assertEqual(doc["preprocess"]["aggregate"], "none")
            doc2, tensors = E.load_model_file(path)
            x = np.random.default_rng(1).standard_normal((1, 1, Q.CROP)).astype(np.float32)
            got = E.run_graph(doc2, tensors, {"ecg": x[0]})[doc2["graph"]["outputs"][0]]
            want = Q.probabilities(model, x[0, 0])
            np.testing.assert_allclose(np.asarray(got).reshape(-1), want, atol=1e-5)


class TestCpsc2019Folds(unittest.TestCase):
    def test_fold_table_holds_every_record_once_and_keeps_same_recordings_together(self):
        folds = Q.cpsc2019_folds()
        ids = [i for v in folds.values() for i in v]
        self.assertEqual(sorted(folds), [0, 1, 2, 3, 4])
        self.assertEqual(len(ids), 49)
        self.assertEqual(len(set(ids)), 49)
        self.assertLessEqual(max(map(len, folds.values())) - min(map(len, folds.values())), 1)
        where = {i: k for k, v in folds.items() for i in v}
        for group in (["00259", "00260"], ["01044", "01046"], ["01234", "01235", "01240"]):
            self.assertEqual(len({where[i] for i in group}), 1, group)

    @unittest.skipUnless(os.path.isdir(os.path.join(os.path.expanduser(os.environ.get("ECG_DATA", "~/.cache/ecg-data")), "cpsc2019", "ref")),
                         "cpsc2019 not unpacked")
    def test_fold_table_is_what_cpsc2019_make_folds_gives(self):
        from tools.train import data as D
        import json
        with open(Q.CPSC2019_FOLDS_JSON) as f:
            self.assertEqual(Q.cpsc2019_make_folds(D.data_root()), json.load(f)["folds"])

    def test_hold_out_fold_trains_on_the_other_four(self):
        folds = Q.cpsc2019_folds()
        args = Q.parse_args(["--out", "x", "--hold-out-fold", "2"])
        got = Q.cpsc2019_train_ids(args)
        self.assertEqual(sorted(got), sorted(i for k, v in folds.items() if k != 2 for i in v))
        self.assertFalse(set(got) & set(folds[2]))
        self.assertEqual(Q.cpsc2019_train_ids(Q.parse_args(["--out", "x"])), [])
        self.assertEqual(len(Q.cpsc2019_train_ids(Q.parse_args(["--out", "x", "--cpsc2019-folds", "all"]))), 49)
        with self.assertRaises(SystemExit):
            Q.parse_args(["--out", "x", "--hold-out-fold", "1", "--cpsc2019-folds", "0"])

    def test_cpsc2019_records_get_their_share_of_the_crops(self):
        src = [{"x": np.zeros(n)} for n in (1000, 3000)] + [{"x": np.zeros(500), "cpsc2019": True}] * 4
        w = Q.sampling_weights(src, 0.25)
        self.assertAlmostEqual(w.sum(), 1.0)
        np.testing.assert_allclose(w, [0.1875, 0.5625, 0.0625, 0.0625, 0.0625, 0.0625])
        np.testing.assert_allclose(Q.sampling_weights(src[:2], 0.25), [0.25, 0.75])  # no cpsc2019: by length


def _synthetic_sources(n=4, seconds=30, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        x = 0.05 * rng.standard_normal(seconds * Q.FS).astype(np.float32)
        r = np.arange(40, x.size - 40, 80 + 10 * k)
        x[r] += 1.0
        out.append({"name": f"s{k}", "x": x, "y": Q._target(r, x.size), "mask": np.ones(x.size, np.float32)})
    return out


class TestResumeAndInit(unittest.TestCase):
    def test_model_file_weights_reproduce_the_golden_probabilities(self):
        model = Q.load_model_weights(os.path.join(FIXTURES, "..", "..", "models", "qrs-1.safetensors"))
        t, _ = E.read_safetensors(os.path.join(FIXTURES, "nn", "qrs-1.golden.safetensors"))
        np.testing.assert_allclose(Q.probabilities(model, t["input.ecg"][0]), t["output.qrs"][0], atol=1e-5)

    def test_an_interrupted_run_resumes_to_the_same_weights(self):
        orig = Q.cached_training_sources
        Q.cached_training_sources = lambda root, cache: _synthetic_sources()
        try:
            with tempfile.TemporaryDirectory() as d:
                common = ["--steps", "6", "--batch", "2", "--channels", "4", "--threads", "1", "--checkpoint-every", "2", "--data", d]
                Q.train(Q.parse_args(common + ["--out", os.path.join(d, "a")]))
                got = Q.train(Q.parse_args(common + ["--out", os.path.join(d, "b"), "--stop-after", "4"]))
                self.assertEqual(got, {"stopped_at": 4})
                self.assertTrue(os.path.exists(os.path.join(d, "b", "checkpoint.pt")))
                Q.train(Q.parse_args(common + ["--out", os.path.join(d, "b")]))
                self.assertFalse(os.path.exists(os.path.join(d, "b", "checkpoint.pt")))
                a = Q.load_checkpoint(os.path.join(d, "a", "model.pt")).state_dict()
                b = Q.load_checkpoint(os.path.join(d, "b", "model.pt")).state_dict()
                for k in a:
                    torch.testing.assert_close(a[k], b[k], rtol=0, atol=0)
                # other options: refused, not silently mixed
                Q.train(Q.parse_args(common + ["--out", os.path.join(d, "c"), "--stop-after", "2"]))
                with self.assertRaises(SystemExit):
                    Q.train(Q.parse_args(common[:1] + ["7"] + common[2:] + ["--out", os.path.join(d, "c")]))
        finally:
            Q.cached_training_sources = orig


if __name__ == "__main__":
    unittest.main()

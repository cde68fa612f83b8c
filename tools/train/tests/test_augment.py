"""Training-time noise and lead dropout (tools/train/augment.py, train.py --augment / --lead-dropout)."""
import os
import tempfile
import unittest

import numpy as np

from tools.train import augment as A, data as D, preprocess as P, train

FX = os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests", "fixtures", "train")


def record_mv():
    """The fixture A0002 (12 leads) band-passed at 257 Hz in mV, as train.py caches it for --augment."""
    h, sig = D.read_wfdb_signal(os.path.join(FX, "cinc", "A0002.hea"))
    x = D.to_canonical(sig, h.leads)
    cfg = {**P.DEFAULT_PREPROCESS, "fir_taps": 2 * train.FS + 1}
    return x, h.fs, cfg, P.preprocess(x, h.fs, train.FS, {**cfg, "normalize": "none"})


class TestAugment(unittest.TestCase):
    def test_without_noise_the_crop_is_the_runtime_input(self):
        x, fs, cfg, mv = record_mv()
        z = P.preprocess(x, fs, train.FS, cfg)  # what the runtime feeds the model (whole record z-scored)
        m = mv.astype(np.float64)
        got = A.noisy_zscore(mv, np.ones(mv.shape[1], bool), m.mean(-1), m.std(-1), None, cfg["epsilon"])
        np.testing.assert_array_equal(got, z)

    def test_with_noise_the_crop_is_the_runtime_input_of_the_noisy_record(self):
        # Noise added to the record before the runtime's band-pass: away from the record's edges (where
        # the band-pass pads) its band-passed part is exactly band_passed(noise); the z-scored inputs
        # differ only by each lead's mean and scale (the runtime's edge padding of slow noise shifts the
        # record's mean and sd, which the augmentation ignores), so they correlate almost perfectly.
        x, fs, cfg, mv = record_mv()
        h = P.bandpass_filter(train.FS, *cfg["bandpass_hz"], cfg["fir_taps"])
        n, mid = mv.shape[1], (len(h) - 1) // 2
        inner = slice(mid, n - mid)
        m = mv.astype(np.float64)
        for seed in range(5):
            rng = np.random.default_rng(seed)
            raw = A.noise_mv(rng, 12, n + len(h) - 1, train.FS)
            noisy = P.bandpass(P.resample(x, fs, train.FS) + raw[:, mid:mid + n], train.FS, *cfg["bandpass_hz"], cfg["fir_taps"])
            nb = A.band_passed(raw, h)
            np.testing.assert_allclose((noisy - mv)[:, inner], nb[:, inner], atol=1e-4, err_msg=f"seed {seed}")
            want = P.normalize(noisy, "zscore_per_lead", cfg["epsilon"])
            got = A.noisy_zscore(mv, np.ones(n, bool), m.mean(-1), m.std(-1), nb, cfg["epsilon"])
            for lead in range(12):
                r = np.corrcoef(got[lead, inner], want[lead, inner])[0, 1]
                self.assertGreater(r, 0.995, f"seed {seed}, lead {lead}")

    def test_padding_stays_zero_and_dropout_keeps_a_lead(self):
        rng = np.random.default_rng(3)
        x = np.ones((12, 100), np.float32)
        crop, valid = A.crop(x, 160, rng)
        self.assertEqual(valid.sum(), 100)
        self.assertTrue((crop[:, ~valid] == 0).all())
        noise = rng.normal(0, 1, (12, 160)).astype(np.float32)
        z = A.noisy_zscore(crop, valid, np.full(12, 1.0), np.full(12, 0.1), noise, 1e-6)
        self.assertTrue((z[:, ~valid] == 0).all())
        for seed in range(20):
            d = A.drop_leads(z, np.random.default_rng(seed))
            zeroed = int((np.abs(d).sum(1) == 0).sum())
            self.assertTrue(1 <= zeroed <= 4, f"seed {seed}: {zeroed} leads zeroed")
        one = z[:1]
        np.testing.assert_array_equal(A.drop_leads(one, rng), one)

    def test_noise_components_have_their_stated_size(self):
        rng = np.random.default_rng(11)
        peaks = [np.abs(A.noise_mv(rng, 12, 2570, train.FS)).max() for _ in range(200)]
        self.assertGreater(np.mean([p > 0 for p in peaks]), 0.7)  # most draws add something
        self.assertLess(max(peaks), 3 * 0.6 + 0.2 + 1.5 * 3 + 1.0)  # wander + mains + motion + noise tails

    def test_training_with_augmentation_runs(self):
        with tempfile.TemporaryDirectory() as d:
            os.environ["ECG_TRAIN_CACHE"] = os.path.join(d, "cache")
            train.CACHE = os.environ["ECG_TRAIN_CACHE"]
            args = train.parse_args(["--data", "fixtures", "--model", "mobilenet1d", "--leads", "12", "--fold", "0",
                                     "--epochs", "2", "--batch", "3", "--de-iter", "2", "--input-len", "1024",
                                     "--augment", "1", "--lead-dropout", "0.5", "--out", d])
            res = train.train(args)
            self.assertEqual(len(res["history"]), 2)
            self.assertTrue(np.isfinite(res["history"][-1][1]))
            self.assertEqual(res["config"]["augment"], 1.0)


if __name__ == "__main__":
    unittest.main()

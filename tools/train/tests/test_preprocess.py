"""Preprocessing matches its written spec (scipy resample_poly / firwin), is zero-phase, and the C++ reference data is current."""
import json
import os
import unittest

import numpy as np
import scipy.signal as ss

from tools.train import data, preprocess as P
from tools.train.export import read_safetensors

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
FIX = os.path.join(REPO, "tests", "fixtures", "train")


class TestPreprocess(unittest.TestCase):
    def test_resample_equals_scipy_resample_poly(self):
        x = np.random.default_rng(0).standard_normal((3, 3001))
        for fs_in, fs_out in [(500, 257), (300, 257), (1000, 257), (130, 257), (257, 500)]:
            with self.subTest(fs_in=fs_in, fs_out=fs_out):
                want = ss.resample_poly(x, fs_out, fs_in, axis=-1)
                got = P.resample(x, fs_in, fs_out)
                self.assertEqual(got.shape, want.shape)
                np.testing.assert_allclose(got, want, atol=1e-6)

    def test_bandpass_taps_equal_firwin(self):
        h = P.bandpass_filter(257, 0.5, 45.0, 515)
        np.testing.assert_allclose(h, ss.firwin(515, [0.5, 45.0], pass_zero=False, window="hamming", fs=257), atol=1e-15)

    def test_bandpass_is_zero_phase_and_passes_band(self):
        fs, n = 257, 2570
        t = np.arange(n) / fs
        x = np.sin(2 * np.pi * 10 * t)[None]
        y = P.bandpass(x, fs, 0.5, 45.0)
        mid = slice(600, 2000)
        np.testing.assert_allclose(y[0, mid], x[0, mid], atol=0.02)  # no delay, ~unit gain at 10 Hz
        drift = (np.sin(2 * np.pi * 0.05 * t) * 3)[None]
        # 2-s Hamming FIR: the 0.5 Hz edge is soft (transition ≈ 3.3·fs/N ≈ 1.6 Hz); 0.05 Hz drift is cut ≥ 4×
        self.assertLess(np.abs(P.bandpass(drift, fs, 0.5, 45.0)[0, mid]).max(), 0.75)
        hf = np.sin(2 * np.pi * 80 * t)[None]
        self.assertLess(np.abs(P.bandpass(hf, fs, 0.5, 45.0)[0, mid]).max(), 0.01)

    def test_zscore_handles_flat_lead(self):
        x = np.stack([np.zeros(100), np.arange(100.0)])
        y = P.normalize(x, "zscore_per_lead", 1e-6)
        self.assertTrue(np.isfinite(y).all())
        self.assertAlmostEqual(float(y[1].std()), 1.0, places=4)

    def test_windows(self):
        self.assertEqual(P.window_starts(100, 4096, 2048), [0])
        self.assertEqual(P.window_starts(5000, 4096, 2048), [0, 904])
        self.assertEqual(P.window_starts(8192, 4096, 2048), [0, 2048, 4096])
        w = P.windows(np.ones((2, 10), np.float32), 16, 8)
        self.assertEqual(w.shape, (1, 2, 16))
        self.assertEqual(float(w[0, 0, 10:].sum()), 0.0)

    def test_reference_files_for_cpp_are_current(self):
        for rel, fs_out, over in P.REFERENCE_RECORDS:
            h, sig = data.read_wfdb_signal(os.path.join(FIX, rel))
            t, meta = read_safetensors(os.path.join(FIX, "preprocess", f"{h.record}.preprocessed.safetensors"))
            cfg = json.loads(meta["preprocess"])
            np.testing.assert_allclose(P.preprocess(sig, h.fs, fs_out, cfg), t["output"], atol=1e-6)


if __name__ == "__main__":
    unittest.main()

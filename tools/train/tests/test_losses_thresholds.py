"""Losses (BCE, DeepPSP asymmetric, KD) and threshold fitting / the threshold_or_argmax rule."""
import unittest

import numpy as np
import torch

from tools.train import losses, metric, thresholds


class TestLosses(unittest.TestCase):
    def setUp(self):
        g = torch.Generator().manual_seed(0)
        self.z = torch.randn(8, 26, generator=g)
        self.y = (torch.rand(8, 26, generator=g) < 0.2).float()

    def test_asl_reduces_to_bce_without_focusing_or_margin(self):
        a = losses.asymmetric_loss(self.z, self.y, 0.0, 0.0, 0.0)
        torch.testing.assert_close(a, losses.bce(self.z, self.y), atol=1e-6, rtol=1e-6)

    def test_asl_deeppsp_formula(self):
        p = torch.sigmoid(self.z)
        want = -(self.y * torch.log(p) + (1 - self.y) * torch.log((1 - p + 0.05).clamp(max=1)) * p ** 0.2).mean()
        torch.testing.assert_close(losses.asymmetric_loss(self.z, self.y), want)

    def test_kd(self):
        self.assertAlmostEqual(float(losses.kl_t(self.z, self.z, 7.0)), 0.0, places=6)
        t = self.z + torch.randn_like(self.z)
        v = losses.vanilla_kd(self.z, t, self.y)
        want = 0.3 * losses.bce(self.z, self.y) + 0.7 * losses.kl_t(self.z, t, 7.0)
        torch.testing.assert_close(v, want)
        m = losses.multilevel_kd(self.z, t, self.z, self.y)
        torch.testing.assert_close(m, 0.3 * losses.bce(self.z, self.y) + 0.7 * 0.6 * losses.kl_t(self.z, t, 7.0))


class TestThresholds(unittest.TestCase):
    def test_decide_always_includes_argmax(self):
        p = np.array([[0.1, 0.2, 0.05], [0.9, 0.8, 0.1]])
        np.testing.assert_array_equal(thresholds.decide(p, [0.5, 0.5, 0.5]), [[False, True, False], [True, True, False]])

    def test_de_beats_a_fixed_half(self):
        rng = np.random.default_rng(0)
        y = rng.random((120, 26)) < 0.1
        y[:, 14] |= ~y.any(1)
        p = np.clip(0.25 * y + 0.3 * rng.random((120, 26)), 0, 1)  # positives score higher but below 0.5
        base = metric.challenge_metric(y, thresholds.decide(p, np.full(26, 0.5)))
        thr, score = thresholds.fit_thresholds(p, y, seed=0, maxiter=5, popsize=60)
        self.assertGreater(score, base)
        self.assertAlmostEqual(score, metric.challenge_metric(y, thresholds.decide(p, thr)))


if __name__ == "__main__":
    unittest.main()

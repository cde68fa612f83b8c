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

    def test_mask_ignores_unknown_labels(self):
        mask = torch.ones_like(self.y)
        for f in (losses.bce, losses.asymmetric_loss):
            torch.testing.assert_close(f(self.z, self.y, mask=mask), f(self.z, self.y))
        mask[:, 3] = 0.0
        z = self.z.clone().requires_grad_(True)
        for f in (losses.bce, losses.asymmetric_loss):
            z.grad = None
            f(z, self.y, mask=mask).backward()
            self.assertTrue(torch.all(z.grad[:, 3] == 0))  # an unknown label moves nothing
            self.assertTrue(torch.any(z.grad[:, 2] != 0))
            flipped = self.y.clone()
            flipped[:, 3] = 1 - flipped[:, 3]
            torch.testing.assert_close(f(self.z, flipped, mask=mask), f(self.z, self.y, mask=mask))
        # the mean runs over the known entries: 25 of 26 per row
        keep = [j for j in range(26) if j != 3]
        torch.testing.assert_close(losses.bce(self.z, self.y, mask=mask), losses.bce(self.z[:, keep], self.y[:, keep]))

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

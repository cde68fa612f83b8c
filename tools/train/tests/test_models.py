"""Architectures: published parameter counts, shapes, and the lead-wise model's lead independence."""
import unittest

import torch

from tools.train import models as M


class TestModels(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)

    def test_lrhnet_parameter_counts_as_published(self):
        self.assertEqual(M.count_params(M.LRHNet(12, 24)), 84516)
        self.assertEqual(M.count_params(M.LRHNet(6, 24)), 83748)
        self.assertEqual(M.count_params(M.LRHNet(2, 24)), 83236)
        self.assertEqual(M.count_params(M.LRHNet(12, 26)), 84774)  # ours: 26 classes = +2·129

    def test_teacher_full_width_matches_zhao(self):
        self.assertEqual(M.count_params(M.SEResNetTeacher(12, 24, width=1.0)), 8837060)
        self.assertEqual(M.count_params(M.SEResNetTeacher(2, 24, width=1.0)), 8827460)

    def test_forward_shapes_and_lengths(self):
        x, d = torch.randn(2, 12, 4096), torch.randn(2, 5)
        for m in (M.LRHNet(), M.SEResNetTeacher(), M.MobileNet1D()):
            m.eval()
            self.assertEqual(tuple(m(x, d).shape), (2, 26), type(m).__name__)
        m = M.LRHNet(3).eval()
        self.assertEqual(tuple(m(torch.randn(1, 3, 4096), torch.zeros(1, 5)).shape), (1, 26))

    def test_leadwise_heads_only_see_their_leads(self):
        m = M.LeadwiseMultiBranch().eval()
        x, d = torch.randn(1, 12, 2048), torch.randn(1, 5)
        y = x.clone()
        y[:, 2:] = torch.randn(1, 10, 2048)  # change every lead except I, II
        with torch.no_grad():
            a, b = m(x, d), m(y, d)
        torch.testing.assert_close(a["2"], b["2"])
        self.assertFalse(torch.allclose(a["12"], b["12"]))


if __name__ == "__main__":
    unittest.main()

"""Checks tools/train/metric.py against the golden CinC 2021 challenge-metric vectors and the official AUC loop."""
import json
import os
import unittest

import numpy as np

from tools.train import metric

SHARED_REF = os.environ.get(
    "ECG_REFERENCE",
    os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared", "reference"),
)
VECTORS = os.path.join(SHARED_REF, "cinc2021", "challenge_metric_testvectors.json")


def _official_auc_loop(labels, outputs):
    """Literal transcription of the loop in evaluate_model.py compute_auc (the slow oracle)."""
    n, c = labels.shape
    auroc, auprc = np.zeros(c), np.zeros(c)
    for k in range(c):
        thresholds = np.unique(outputs[:, k])
        thresholds = np.append(thresholds, thresholds[-1] + 1)[::-1]
        m = len(thresholds)
        tp, fp, fn, tn = np.zeros(m), np.zeros(m), np.zeros(m), np.zeros(m)
        fn[0] = np.sum(labels[:, k] == 1)
        tn[0] = np.sum(labels[:, k] == 0)
        idx = np.argsort(outputs[:, k])[::-1]
        i = 0
        for j in range(1, m):
            tp[j], fp[j], fn[j], tn[j] = tp[j - 1], fp[j - 1], fn[j - 1], tn[j - 1]
            while i < n and outputs[idx[i], k] >= thresholds[j]:
                if labels[idx[i], k]:
                    tp[j] += 1
                    fn[j] -= 1
                else:
                    fp[j] += 1
                    tn[j] -= 1
                i += 1
        tpr = np.array([tp[j] / (tp[j] + fn[j]) if tp[j] + fn[j] else np.nan for j in range(m)])
        tnr = np.array([tn[j] / (fp[j] + tn[j]) if fp[j] + tn[j] else np.nan for j in range(m)])
        ppv = np.array([tp[j] / (tp[j] + fp[j]) if tp[j] + fp[j] else np.nan for j in range(m)])
        for j in range(m - 1):
            auroc[k] += 0.5 * (tpr[j + 1] - tpr[j]) * (tnr[j] + tnr[j + 1])
            auprc[k] += (tpr[j + 1] - tpr[j]) * ppv[j + 1]
    return auroc, auprc


class TestChallengeMetric(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rm = metric.load_weights()
        with open(VECTORS) as f:
            cls.vectors = json.load(f)

    def test_class_order_matches_vectors(self):
        abbr_classes = self.vectors["classes"]
        self.assertEqual(len(abbr_classes), 26)
        self.assertEqual(len(self.rm.classes), 26)
        self.assertEqual(self.rm.normal_index, abbr_classes.index("NSR"))

    def test_all_golden_cases_within_1e_9(self):
        classes = self.vectors["classes"]
        cases = self.vectors["cases"]
        self.assertEqual(len(cases), 11)
        for case in cases:
            with self.subTest(case=case["name"]):
                def to_bin(rows):
                    b = np.zeros((len(rows), len(classes)), dtype=bool)
                    for k, row in enumerate(rows):
                        for a in row:
                            b[k, classes.index(a)] = True
                    return b
                s = metric.challenge_score(to_bin(case["labels"]), to_bin(case["outputs"]), self.rm)
                for key in ("observed", "correct", "inactive", "normalized"):
                    self.assertAlmostEqual(getattr(s, key), case[key], delta=1e-9, msg=key)

    def test_equivalent_codes_score_as_one_class(self):
        # LBBB written as 164909002 in labels and 733534002 in outputs is a perfect answer.
        labels = metric.codes_to_binary([["164909002"], ["426783006"]], self.rm)
        outputs = metric.codes_to_binary([["733534002"], ["426783006"]], self.rm)
        self.assertAlmostEqual(metric.challenge_metric(labels, outputs, self.rm), 1.0, delta=1e-12)

    def test_unscored_codes_are_ignored(self):
        b = metric.codes_to_binary([["164884008", "429622005"]], self.rm)  # VEB, STD: unscored
        self.assertFalse(b.any())

    def test_auc_matches_official_loop(self):
        rng = np.random.default_rng(1234)
        labels = rng.random((60, 26)) < 0.2
        labels[:, 3] = False  # a class without positives must give nan, like the official code
        scores = np.round(rng.random((60, 26)), 2)  # ties on purpose
        got_roc, got_prc = metric.auc_per_class(labels, scores)
        want_roc, want_prc = _official_auc_loop(labels, scores)
        np.testing.assert_allclose(got_roc, want_roc, atol=1e-12, equal_nan=True)
        np.testing.assert_allclose(got_prc, want_prc, atol=1e-12, equal_nan=True)
        self.assertTrue(np.isnan(got_roc[3]))

    def test_macro_f1_skips_absent_classes(self):
        labels = np.array([[1, 0, 0], [0, 1, 0]], dtype=bool)
        outputs = np.array([[1, 0, 0], [1, 0, 0]], dtype=bool)
        f1 = metric.f1_per_class(labels, outputs)
        np.testing.assert_allclose(f1, [2 / 3, 0.0, np.nan], equal_nan=True)
        self.assertAlmostEqual(metric.macro_f1(labels, outputs), 1 / 3)


if __name__ == "__main__":
    unittest.main()

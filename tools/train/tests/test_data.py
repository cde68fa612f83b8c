"""Readers (MAT v4, format 16, gains), the wrong-gain fix, demographics, de-duplication and fold files."""
import os
import unittest

import numpy as np

from tools.train import data

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
FIX = os.path.join(REPO, "tests", "fixtures", "train")
HAVE_DATA = all(os.path.isdir(os.path.join(data.data_root(), d)) for d in ("cinc", "ptbxl", "ptbxl-processed", "ludb", "cinc2017"))


class TestReaders(unittest.TestCase):
    def test_mat_and_format16_copies_of_one_ecg_agree(self):
        # HR00001 (CinC .mat) is PTB-XL ecg_id 1 (format 16 .dat): same samples, same mV.
        h1, a = data.read_wfdb_signal(os.path.join(FIX, "cinc", "HR00001.hea"))
        h2, b = data.read_wfdb_signal(os.path.join(FIX, "ptbxl", "00001_hr.hea"))
        self.assertEqual(a.shape, (12, 5000))
        self.assertEqual(data.to_canonical(b, h2.leads).shape, (12, 5000))
        np.testing.assert_array_equal(data.to_canonical(a, h1.leads), data.to_canonical(b, h2.leads))
        self.assertEqual(h2.leads, data.LEADS_12)  # AVR/AVL/AVF canonicalised

    def test_first_sample_matches_header(self):
        h, sig = data.read_wfdb_signal(os.path.join(FIX, "cinc", "A0002.hea"))
        with open(os.path.join(FIX, "cinc", "A0002.hea")) as f:
            first = [int(ln.split()[5]) for ln in f.read().splitlines()[1:13]]
        np.testing.assert_allclose(sig[:, 0] * 1000.0, first, atol=1e-3)

    def test_wrong_gain_header_is_reported_but_overridden(self):
        p = os.path.join(FIX, "cinc", "E00015.hea")
        h = data.read_wfdb_header(p)
        self.assertEqual(h.gains, [4880.0] * 12)  # readers report what the header says
        _, fixed = data.read_wfdb_signal(p)
        _, raw = data.read_wfdb_signal(p, override_gain=False)
        np.testing.assert_allclose(fixed, raw * 4.88, rtol=1e-5, atol=1e-6)

    def test_header_fields(self):
        h = data.read_wfdb_header(os.path.join(FIX, "cinc", "A0003.hea"))
        self.assertEqual((h.fs, h.n_sig, h.n_samples), (500.0, 12, 5000))
        self.assertEqual(h.dx, ["164889003"])
        self.assertIn(h.sex, ("F", "M"))
        h = data.read_wfdb_header(os.path.join(FIX, "cinc2017", "A00004.hea"))
        self.assertEqual((h.fs, h.n_sig, h.gains), (300.0, 1, [1000.0]))

    def test_demographics_lrhnet5(self):
        np.testing.assert_allclose(data.demographics(56.0, "F"), [0.56, 1, 1, 0, 1])
        np.testing.assert_allclose(data.demographics(None, "M"), [0, 0, 0, 1, 1])
        np.testing.assert_allclose(data.demographics(None, None), [0, 0, 0, 0, 0])
        self.assertEqual(data.parse_sex("Female"), "F")
        self.assertIsNone(data.parse_sex("Unknown"))
        self.assertIsNone(data.parse_age("NaN"))
        self.assertEqual(data.parse_age(">89"), 89.0)

    def test_fold_assignment_is_group_level_and_seeded(self):
        rng = np.random.default_rng(0)
        groups = [f"p{i // 3}" for i in range(90)]
        t = (rng.random((90, 5)) < 0.3).astype(float)
        a = data.assign_folds(groups, t, 5, seed=7)
        self.assertEqual(a, data.assign_folds(groups, t, 5, seed=7))
        self.assertEqual(set(a.values()), set(range(5)))


@unittest.skipUnless(HAVE_DATA, "needs $ECG_DATA with cinc, ptbxl, ptbxl-processed, ludb, cinc2017")
class TestPoolAndFolds(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pool, cls.summary = data.build_pool()
        cls.folds = data.read_folds()

    def test_one_copy_per_ecg(self):
        keys = [it.ecg_key for it in self.pool]
        self.assertEqual(len(keys), len(set(keys)))
        self.assertNotIn("cinc/HR00001", {it.key for it in self.pool})  # its ptbxl twin wins
        self.assertIn("ptbxl/1", {it.key for it in self.pool})

    def test_committed_folds_match_the_code(self):
        self.assertEqual(self.folds["twelve_lead"], data.make_folds(self.pool))
        self.assertEqual(self.folds["cinc2017"], data.make_cinc2017_folds(data.index_cinc2017()))

    def test_no_patient_in_two_folds(self):
        seen = {}
        for it in self.pool:
            f = self.folds["twelve_lead"][it.key]
            self.assertEqual(seen.setdefault(it.patient, f), f, it.patient)

    def test_every_item_loads_12_leads(self):
        for ds in ("cinc", "ptbxl", "ptbxl-processed", "ludb"):
            it = next(i for i in self.pool if i.dataset == ds)
            sig = data.load_signal(it)
            self.assertEqual(sig.shape[0], 12, it.key)
            self.assertTrue(np.isfinite(sig).all(), it.key)

    def test_cinc2017_duplicates_dropped(self):
        recs = {r for r, _ in data.index_cinc2017()}
        self.assertNotIn("A01176", recs)
        self.assertIn("A00227", recs)


if __name__ == "__main__":
    unittest.main()

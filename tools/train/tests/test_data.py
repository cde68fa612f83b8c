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


class TestPartialLabels(unittest.TestCase):
    """ptbxl-extra's superclass statements: what they say about the 26 classes (the rest is unknown)."""

    def known(self, stmts):
        codes, unknown = data.ptbxl_superclass_labels(stmts)
        return set(data.lab.scored_abbrs(codes)), set(data.lab.ABBRS) - set(unknown)

    def test_statement_table(self):
        rate_axis = {"SB", "STach", "SA", "Brady", "LAD", "RAD", "LQRSV", "PR", "PRWP", "LPR"}
        pos, known = self.known(["NORM"])
        self.assertEqual(pos, {"NSR"})
        self.assertEqual(known, {"NSR", *data.PTBXL_NORM_NEGATIVE})
        self.assertFalse(known & rate_axis)  # NORM says nothing about rate, axis, voltage or pacing
        pos, known = self.known(["NORM", " PAC"])
        self.assertEqual(pos, {"NSR", "PAC"})
        self.assertIn("PAC", known)
        pos, known = self.known(["STTC", "AFIB/AFL"])
        self.assertEqual((pos, known), (set(), {"NSR"}))  # not sinus; AF or AFL is not said
        pos, known = self.known(["STTC", "CD"])
        self.assertEqual((pos, known), (set(), set()))
        pos, known = self.known(["STTC", "PVC"])  # PTB-XL PVC is VEB: unscored, as for ptbxl
        self.assertEqual((pos, known), (set(), set()))

    def test_known_mask_and_source(self):
        it = data.Item("ptbxl-extra/1", "ptbxl-extra", "1", 500.0, [], None, None, "p", "e", "x", ("LAD", "RAD"))
        m = it.known
        self.assertEqual(m.sum(), data.lab.N_CLASSES - 2)
        self.assertEqual(m[data.lab.ABBRS.index("LAD")], 0.0)
        cases = [("cinc", "A0001", "CPSC"), ("cinc", "Q0001", "CPSC"), ("cinc", "E00001", "Georgia"),
                 ("cinc", "HR00001", "PTB-XL"), ("cinc", "JS00001", "Chapman-Ningbo"), ("cinc", "S0001", "INCART"),
                 ("cinc-extra", "E07520", "Georgia"), ("cpsc2018", "A1980", "CPSC"), ("ptbxl", "5", "PTB-XL"),
                 ("ptbxl-processed", "7", "PTB-XL"), ("ptbxl-extra", "666", "PTB-XL"), ("ludb", "3", "LUDB")]
        for ds, rec, src in cases:
            self.assertEqual(data.source_of(ds, rec), src, (ds, rec))
        with self.assertRaises(ValueError):
            data.source_of("cinc", "X0001")

    def test_extra_folds_keep_patients_together(self):
        def item(key, patient, unknown=(), codes=("426783006",)):
            return data.Item(key, "ptbxl-extra", key, 500.0, list(codes), None, None, patient, key, "x", unknown)
        base = [item(f"b{i}", f"p{i}") for i in range(10)]
        base_folds = {f"b{i}": i % 5 for i in range(10)}
        extra = [item("e1", "p3", ("LAD",)), item("e2", "new", ("LAD",)), item("e3", "q1"), item("e4", "q1"),
                 item("e5", "q2", codes=("164889003",))]
        f = data.make_extra_folds(base, base_folds, extra)
        self.assertEqual(f["e1"], 3)  # the base patient's fold, even when partly labelled
        self.assertEqual(f["e2"], -1)  # partly labelled, new patient: training only
        self.assertEqual(f["e3"], f["e4"])  # one patient, one fold
        self.assertIn(f["e5"], range(5))


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

    def test_extended_pool_keeps_the_base_folds(self):
        if not os.path.isdir(os.path.join(data.data_root(), "extra", "cpsc2018")):
            self.skipTest("needs $ECG_DATA/extra")
        ext, folds = data.extended_pool()
        base_keys = {it.key for it in self.pool}
        self.assertTrue(base_keys <= {it.key for it in ext})  # extra copies never replace base items
        added = [it for it in ext if it.key not in base_keys]
        self.assertEqual(self.folds["twelve_lead_extra"], data.make_extra_folds(self.pool, self.folds["twelve_lead"], added))
        seen = {}
        for it in ext:
            f = folds[it.key]
            if f >= 0:
                self.assertEqual(seen.setdefault(it.patient, f), f, it.patient)
        self.assertEqual({it.dataset for it in added}, set(data.EXTRA_DATASETS))
        self.assertTrue(all(folds[it.key] == -1 or not it.unknown or it.patient in {b.patient for b in self.pool}
                            for it in added))
        for ds in data.EXTRA_DATASETS:
            it = next(i for i in added if i.dataset == ds)
            sig = data.load_signal(it)
            self.assertEqual(sig.shape, (12, 5000), it.key)
            self.assertTrue(np.isfinite(sig).all() and np.abs(sig).max() < 20, it.key)  # mV
        a1980 = next(i for i in added if i.key == "cpsc2018/A1980")
        self.assertEqual((data.lab.scored_abbrs(a1980.codes), a1980.sex, a1980.age, a1980.ecg_key),
                         (["PAC"], "M", 52.0, "cinc:A1980"))  # REFERENCE.csv label 6; the MAT struct's sex and age

    def test_cinc2017_duplicates_dropped(self):
        recs = {r for r, _ in data.index_cinc2017()}
        self.assertNotIn("A01176", recs)
        self.assertIn("A00227", recs)


if __name__ == "__main__":
    unittest.main()

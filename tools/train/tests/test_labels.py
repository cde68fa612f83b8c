"""Label tables: 26 classes in weights.csv order, CPSC/PTB-XL mappings, docs/labels.md in sync, PTB-XL vs CinC agreement."""
import os
import unittest

import numpy as np

from tools.train import data, labels

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
HAVE_DATA = os.path.isdir(os.path.join(data.data_root(), "ptbxl")) and os.path.isdir(os.path.join(data.data_root(), "cinc"))


class TestLabels(unittest.TestCase):
    def test_26_classes_with_nsr_at_14(self):
        self.assertEqual(labels.N_CLASSES, 26)
        self.assertEqual(labels.NSR_INDEX, 14)
        self.assertEqual(labels.SCORED[4].codes, ("733534002", "164909002"))

    def test_equivalent_codes_share_a_class(self):
        np.testing.assert_array_equal(labels.multi_hot(["59118001"]), labels.multi_hot(["713427006"]))
        self.assertEqual(labels.scored_abbrs(["17338001", "164884008"]), ["PVC"])  # VEB is unscored

    def test_cpsc_abbreviations(self):
        self.assertEqual(labels.cpsc_codes(["RBBB", "Normal", "I-AVB"]), ["59118001", "426783006", "270492004"])
        self.assertEqual(labels.scored_abbrs(labels.cpsc_codes(["PVC", "STD", "STE"])), [])
        with self.assertRaises(ValueError):
            labels.cpsc_codes(["XYZ"])

    def test_ptbxl_mapping(self):
        self.assertEqual(labels.scored_abbrs(labels.ptbxl_codes("{'NORM': 80.0, 'SBRAD': 0.0}")), ["NSR", "SB"])
        self.assertEqual(labels.scored_abbrs(labels.ptbxl_codes({"CLBBB": 100.0}, "LAD")), ["CLBBB", "LAD"])
        for scp, (code, _) in labels.PTBXL_SCP_TO_SNOMED.items():
            self.assertTrue(code.isdigit(), scp)

    def test_docs_table_in_sync(self):
        with open(os.path.join(REPO, "docs", "labels.md")) as f:
            self.assertIn(labels.markdown(), f.read())

    @unittest.skipUnless(HAVE_DATA, "needs $ECG_DATA (ptbxl, cinc)")
    def test_ptbxl_mapping_agrees_with_cinc_copies(self):
        r = labels.overlap_check()
        self.assertEqual(r["records"], 9)
        # every scored class we derive from the SCP statements is also in the CinC label ...
        self.assertEqual(r["scored_codes_agreeing"], r["scored_codes_ptbxl_mapped"])
        # ... and 7 of 9 records match exactly (HR00003 IAVB and HR00010 SA are not in PTB-XL's statements)
        self.assertGreaterEqual(r["exact_scored_match"], 7)


if __name__ == "__main__":
    unittest.main()

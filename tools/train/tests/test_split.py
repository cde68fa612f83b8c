"""train.split_pool: folds, leave-one-source-out, and partly labelled records that only train."""
import unittest

from tools.train import data, train


def item(key, dataset, record, unknown=()):
    return data.Item(key, dataset, record, 500.0, ["426783006"], None, None, key, key, "x", unknown)


class TestSplit(unittest.TestCase):
    def setUp(self):
        self.items = [item("a", "cinc", "A0001"), item("b", "cinc", "E00001"), item("c", "ptbxl", "1"),
                      item("d", "ptbxl", "2"), item("e", "ludb", "1"), item("p", "ptbxl-extra", "9", ("LAD",)),
                      item("q", "ptbxl-extra", "10", ("LAD",)), item("r", "ptbxl-extra", "11", ("LAD",))]
        self.folds = {"a": 0, "b": 1, "c": 2, "d": 0, "e": 3, "p": 0, "q": -1, "r": 1}

    def keys(self, s):
        return {k: sorted(it.key for it in v) for k, v in s.items()}

    def test_folds(self):
        s = self.keys(train.split_pool(self.items, self.folds, 0))
        # test fold 0, validation fold 1; partly labelled p (fold 0) and r (fold 1) are neither scored nor trained
        self.assertEqual(s, {"test": ["a", "d"], "val": ["b"], "train": ["c", "e", "q"]})

    def test_leave_one_source_out(self):
        s = self.keys(train.split_pool(self.items, self.folds, 0, "PTB-XL"))
        self.assertEqual(s, {"test": ["c", "d"], "val": ["b"], "train": ["a", "e"]})  # no PTB-XL record trains
        s = self.keys(train.split_pool(self.items, self.folds, 0, "CPSC"))
        self.assertEqual(s, {"test": ["a"], "val": ["b"], "train": ["c", "d", "e", "p", "q"]})


if __name__ == "__main__":
    unittest.main()

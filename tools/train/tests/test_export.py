"""Exported files follow schema 2 (schema-1 fixtures still read) and their graphs, run by a numpy interpreter, reproduce PyTorch."""
import glob
import json
import os
import struct
import tempfile
import unittest

import numpy as np
import torch

from tools.train import export as E, labels, models as M
from tools.train.data import LEADS_12

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
NN_FIX = os.path.join(REPO, "tests", "fixtures", "nn")
ALLOWED_OPS = {"conv1d", "batchnorm", "groupnorm", "relu", "mish", "sigmoid", "add", "mul_channel", "global_avg_pool",
               "global_max_pool", "max_pool1d", "avg_pool1d", "linear", "concat", "flatten"}


def check_schema(test, path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    test.assertEqual(set(header["__metadata__"]), {"format", "ecg_screen"})
    doc, tensors = E.load_model_file(path)  # checks contiguity, sizes, dtype
    for key in ("name", "architecture", "leads", "fs_hz", "input_len", "preprocess", "demographics", "classes",
                "decision", "graph", "training", "metrics"):
        test.assertIn(key, doc)
    if doc.get("task", "screen") == "screen":
        test.assertEqual(doc["decision"]["rule"], "threshold_or_argmax")
        test.assertEqual(len(doc["decision"]["thresholds"]), len(doc["classes"]))
    else:  # single-label rhythm model: argmax of softmax, no thresholds, no demographics input
        test.assertEqual(doc["task"], "rhythm")
        test.assertEqual(doc["decision"], {"rule": "argmax"})
        test.assertEqual([i["name"] for i in doc["graph"]["inputs"]], ["ecg"])
    for c in doc["classes"]:
        test.assertRegex(c["snomed"], r"^([1-9][0-9]{5,17}|local:[a-z0-9_]+)$")
    known = {i["name"] for i in doc["graph"]["inputs"]}
    used = set()
    for node in doc["graph"]["nodes"]:
        test.assertIn(node["op"], ALLOWED_OPS)
        for i in node["inputs"]:
            test.assertIn(i, known, f"{node['output']} reads {i} before it is produced")
        known.add(node["output"])
        for t in node["weights"].values():
            test.assertIn(t, tensors)
            used.add(t)
    test.assertEqual(used, set(tensors), "every tensor is used by some node")
    for o in doc["graph"]["outputs"]:
        test.assertIn(o, known)
    return doc, tensors


class TestExport(unittest.TestCase):
    def test_roundtrip_real_size_lrhnet(self):
        torch.manual_seed(3)
        m = M.LRHNet(12, labels.N_CLASSES)
        for bn in [x for x in m.modules() if isinstance(x, torch.nn.BatchNorm1d)]:
            bn.running_mean.uniform_(-0.3, 0.3)
            bn.running_var.uniform_(0.5, 2)
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "lrhnet-12.safetensors")
            E.export_model(p, m, "lrhnet-12", LEADS_12,
                           257, 4096, [0.3] * 26)
            self.assertLessEqual(os.path.getsize(p), 500 * 1024, "LRH-Net-class model must be ≤ 0.5 MB")
            doc, t = check_schema(self, p)
            ecg = np.random.default_rng(0).standard_normal((12, 4096)).astype(np.float32)
            demo = np.array([0.5, 1, 1, 0, 1], np.float32)
            got = E.run_graph(doc, t, {"ecg": ecg, "demographics": demo})["logits"]
            want = E.torch_outputs(m, ecg, demo)["logits"]
            np.testing.assert_allclose(got, want, atol=2e-4, rtol=1e-4)

    def test_tiny_fixtures_schema_and_golden(self):
        files = sorted(p for p in glob.glob(os.path.join(NN_FIX, "tiny-*.safetensors"))
                       if ".golden." not in p and ".int8." not in p)  # quantised variants: test_quantize.py
        self.assertEqual(len(files), len(E.tiny_models()))
        for p in files:
            with self.subTest(model=os.path.basename(p)):
                self.assertLess(os.path.getsize(p), 200 * 1024)
                doc, t = check_schema(self, p)
                g, _ = E.read_safetensors(p.replace(".safetensors", ".golden.safetensors"))
                out = E.run_graph(doc, t, {k[len("input."):]: v for k, v in g.items() if k.startswith("input.")})
                for k, v in out.items():
                    np.testing.assert_allclose(v, g[f"output.{k}"], atol=1e-5)

    def test_tiny_fixtures_are_reproducible(self):
        with tempfile.TemporaryDirectory() as d:
            E.export_tiny_fixtures(d)
            for p in glob.glob(os.path.join(d, "*.safetensors")):
                with open(p, "rb") as a, open(os.path.join(NN_FIX, os.path.basename(p)), "rb") as b:
                    self.assertEqual(a.read(), b.read(), os.path.basename(p))


if __name__ == "__main__":
    unittest.main()

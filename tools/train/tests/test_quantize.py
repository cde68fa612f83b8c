"""int8 quantisation (tools/train/quantize.py): per-channel error bound, what the C++ loader
reconstructs, schema-2 hash, and the committed quantised files are what the script writes."""
import hashlib
import os
import subprocess
import tempfile
import unittest

import numpy as np
import torch

from tools.train import export as E, quantize as Q

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
NN_FIX = os.path.join(REPO, "tests", "fixtures", "nn")


# tools/train/quantize-all.sh's F16 table (weights kept F16 per shipped model); test_quantize_all_table
# checks that the script says the same
QUANTIZE_ALL_F16 = {"mobilenet1d-6": ["blocks.[0-3].dw.weight"], "mobilenet1d-3": ["stem.weight", "blocks.[0-2].dw.weight"],
                    "mobilenet1d-2": ["stem.weight", "blocks.[0-2].dw.weight"]}


class TestQuantize(unittest.TestCase):
    def test_int8_error_is_at_most_half_a_step_per_channel(self):
        rng = np.random.default_rng(7)
        w = (rng.standard_normal((6, 3, 5)) * np.array([1e-4, 1e-2, 1, 10, 0, 3])[:, None, None]).astype(np.float32)
        for dt in (np.float16, np.float32):
            q, s = Q.quantize_int8(w, dt)
            self.assertEqual(q.dtype, np.int8)
            self.assertEqual(s.shape, (6,))
            self.assertTrue(np.all(s.astype(np.float32) > 0))
            self.assertLessEqual(int(np.abs(q.astype(int)).max()), 127)
            back = q.astype(np.float32) * s.astype(np.float32)[:, None, None]
            err = np.abs(back - w).reshape(6, -1).max(1)
            self.assertTrue(np.all(err <= s.astype(np.float32) / 2 * (1 + 1e-6)), (dt, err, s))
            self.assertEqual(float(np.abs(back[4]).max()), 0.0)  # an all-zero channel stays zero

    def test_quantised_file_loads_as_q_times_scale_with_a_valid_hash(self):
        src = os.path.join(NN_FIX, "tiny-mobilenet1d.safetensors")
        with tempfile.TemporaryDirectory() as d:
            dst = os.path.join(d, "q.safetensors")
            Q.quantize_file(src, dst)
            doc, raw = E.load_model_file(dst, raw=True)
            self.assertEqual(doc["tensor_sha256"], hashlib.sha256(E.tensor_bytes(dst)).hexdigest())
            _, deq = E.load_model_file(dst)
            _, ref = E.load_model_file(src)
            self.assertEqual(set(deq), set(ref))
            for name in Q.weight_tensors(doc):
                self.assertEqual(raw[name].dtype, np.int8, name)
                np.testing.assert_array_equal(deq[name], raw[name].astype(np.float32) * raw[name + ".scale"].astype(np.float32).reshape((-1,) + (1,) * (raw[name].ndim - 1)))
            self.assertLess(os.path.getsize(dst), 0.6 * os.path.getsize(src))
            # a damaged tensor byte is caught by the hash
            with open(dst, "r+b") as f:
                f.seek(-1, 2)
                b = f.read(1)
                f.seek(-1, 2)
                f.write(bytes([b[0] ^ 0xFF]))
            with self.assertRaisesRegex(ValueError, "tensor content hash got"):
                E.load_model_file(dst)
            with self.assertRaisesRegex(ValueError, "already quantised"):
                Q.quantize_file(os.path.join(NN_FIX, "tiny-mobilenet1d.int8.safetensors"), os.path.join(d, "x.safetensors"))

    def test_torch_graph_equals_the_numpy_interpreter_and_pytorch(self):
        # the numpy interpreter where it has every op; the PyTorch golden outputs for parity-* (groupnorm, avg pool, ...)
        for name in ("tiny-mobilenet1d", "tiny-seresnet", "tiny-lrhnet", "tiny-leadwise", "tiny-rhythmnet", "parity-ops", "parity-convs"):
            doc, t = E.load_model_file(os.path.join(NN_FIX, f"{name}.safetensors"))
            g, _ = E.read_safetensors(os.path.join(NN_FIX, f"{name}.golden.safetensors"))
            inputs = {k[len("input."):]: np.array(v) for k, v in g.items() if k.startswith("input.")}
            want = ({k[len("output."):]: v for k, v in g.items() if k.startswith("output.")} if name.startswith("parity-")
                    else E.run_graph(doc, t, inputs))
            with torch.no_grad():
                got = Q.torch_graph(doc, t)({k: torch.from_numpy(v)[None] for k, v in inputs.items()})
            for k in want:
                np.testing.assert_allclose(got[k][0].numpy(), want[k], atol=2e-5, err_msg=f"{name} {k}")

    def test_committed_quantised_files_are_reproducible(self):
        """models/*.safetensors are byte for byte what tools/train/quantize-all.sh writes (its F16 table below)."""
        shipped = ["mobilenet1d-12", "mobilenet1d-6", "mobilenet1d-3", "mobilenet1d-2", "rhythm-1"]
        with tempfile.TemporaryDirectory() as d:
            for m in shipped:
                out = os.path.join(d, f"{m}.safetensors")
                # the weights quantize-all.sh keeps F16 for this model are named in the committed file
                committed, _ = E.load_model_file(os.path.join(REPO, "models", f"{m}.safetensors"))
                f16 = committed["quantization"].get("float16_weights", [])
                command = (f"/usr/bin/python3 -m tools.train.quantize tools/train/float32/{m}.safetensors models/{m}.safetensors"
                           + "".join(f" --float16 {p}" for p in QUANTIZE_ALL_F16.get(m, [])))
                self.assertEqual(committed["quantization"]["command"], command, m)
                Q.quantize_file(os.path.join(REPO, "tools", "train", "float32", f"{m}.safetensors"), out,
                                float16=QUANTIZE_ALL_F16.get(m, []), command=command)
                self.assertEqual(sorted(f16), sorted(E.load_model_file(out)[0]["quantization"].get("float16_weights", [])), m)
                with open(out, "rb") as a, open(os.path.join(REPO, "models", f"{m}.safetensors"), "rb") as b:
                    self.assertEqual(a.read(), b.read(), m)
                self.assertLessEqual(os.path.getsize(out), 160_000, m)

    def test_quantize_all_table(self):
        import re
        with open(os.path.join(REPO, "tools", "train", "quantize-all.sh")) as f:
            script = f.read()
        table = dict(re.findall(r"\[(mobilenet1d-\d+)\]=\"([^\"]*)\"", script))
        self.assertEqual({k: v.split() for k, v in table.items()}, QUANTIZE_ALL_F16)


if __name__ == "__main__":
    unittest.main()

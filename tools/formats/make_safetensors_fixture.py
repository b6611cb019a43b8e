"""Writes core/src/test/resources/formats/python_written.safetensors with tools/mm1ref/safetensors_io.py,
so that the Java reader is tested on a file from an independent writer (SafetensorsTest.readsWhatPythonWrites).

Run from the repository root: /usr/bin/python3 tools/formats/make_safetensors_fixture.py
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from mm1ref.safetensors_io import save_file, load_file  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "core", "src", "test", "resources", "formats", "python_written.safetensors")


def main():
    base = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4) * 0.25 - 3
    tensors = {
        "a.f32": base,
        "b.bf16": base.to(torch.bfloat16),
        "c.f16": base.to(torch.float16),
        "d.i32": torch.tensor([0, -1, 2, -3, 4, -5], dtype=torch.int32),
        "e.i64": torch.tensor([0, -1, 2, -3, 4, -5], dtype=torch.int64),
        "f.bool": torch.tensor([1, 0, 1, 0, 1, 0], dtype=torch.bool),
        "g.f64": torch.tensor([0.5, -1.5], dtype=torch.float64),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    save_file(tensors, OUT, metadata={"format": "pt", "writer": "tools/mm1ref/safetensors_io.py"})
    back = load_file(OUT)
    for k, v in tensors.items():
        assert torch.equal(back[k], v), k
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()

"""A minimal GGUF v3 writer (numpy only) with llama.cpp's F32/F16/Q8_0/Q4_0 tensor encodings.

    w = GGUFWriter("out.gguf")
    w.add("general.architecture", "llama")            # str, int (u32), float (f32), bool, list of str/int
    w.add_u64(...), w.add_f32(...) for explicit types
    w.tensor("token_embd.weight", array2d, "q8_0")     # HF shape [rows, cols]; GGUF ne = [cols, rows]
    w.write()

Layout: magic, version 3, tensor count, metadata count, metadata, tensor infos, padding to `alignment`
(32), then each tensor's data at an aligned offset. Q8_0: per 32 values an F16 scale d = max|x|/127 and 32
int8 round(x/d). Q4_0: per 32 values d = m/-8 where m is the value of largest magnitude, q = min(15,
int(x/d + 8.5)), byte j holds q[j] in its low nibble and q[j+16] in its high nibble (ggml's reference).
"""
import struct

import numpy as np

T_U8, T_I8, T_U16, T_I16, T_U32, T_I32, T_F32, T_BOOL, T_STR, T_ARR, T_U64, T_I64, T_F64 = range(13)
GGML = {"f32": 0, "f16": 1, "q4_0": 2, "q8_0": 8}


def _str(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def quantize_q8_0(x):
    x = np.ascontiguousarray(x, dtype=np.float32).reshape(-1, 32)
    amax = np.abs(x).max(axis=1)
    d = amax / 127.0
    inv = np.where(d > 0, 1.0 / np.where(d > 0, d, 1), 0).astype(np.float32)
    q = np.round(x * inv[:, None]).astype(np.int8)  # roundf: numpy rounds half to even, ggml half away; rare ties
    out = np.empty((x.shape[0], 34), dtype=np.uint8)
    out[:, :2] = d.astype(np.float16).view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q.view(np.uint8)
    return out.tobytes()


def quantize_q4_0(x):
    x = np.ascontiguousarray(x, dtype=np.float32).reshape(-1, 32)
    idx = np.abs(x).argmax(axis=1)
    m = x[np.arange(x.shape[0]), idx]
    d = m / -8.0
    inv = np.where(d != 0, 1.0 / np.where(d != 0, d, 1), 0).astype(np.float32)
    q = np.minimum(15, np.trunc(x * inv[:, None] + 8.5)).astype(np.uint8)
    out = np.empty((x.shape[0], 18), dtype=np.uint8)
    out[:, :2] = d.astype(np.float16).view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q[:, :16] | (q[:, 16:] << 4)
    return out.tobytes()


def encode(x, kind):
    if kind == "f32":
        return np.ascontiguousarray(x, dtype="<f4").tobytes()
    if kind == "f16":
        return np.ascontiguousarray(x, dtype="<f2").tobytes()
    if kind == "q8_0":
        return quantize_q8_0(x)
    if kind == "q4_0":
        return quantize_q4_0(x)
    raise ValueError(kind)


class GGUFWriter:
    def __init__(self, path, alignment=32):
        self.path, self.alignment = path, alignment
        self.kv, self.tensors = [], []

    def add(self, key, value):
        if isinstance(value, bool):
            self.kv.append((key, struct.pack("<I", T_BOOL) + struct.pack("<?", value)))
        elif isinstance(value, int):
            self.kv.append((key, struct.pack("<I", T_U32) + struct.pack("<I", value)))
        elif isinstance(value, float):
            self.kv.append((key, struct.pack("<I", T_F32) + struct.pack("<f", value)))
        elif isinstance(value, str):
            self.kv.append((key, struct.pack("<I", T_STR) + _str(value)))
        elif isinstance(value, list):
            if all(isinstance(v, str) for v in value):
                body = b"".join(_str(v) for v in value)
                self.kv.append((key, struct.pack("<IIQ", T_ARR, T_STR, len(value)) + body))
            elif all(isinstance(v, int) for v in value):
                self.kv.append((key, struct.pack("<IIQ", T_ARR, T_I32, len(value)) + np.asarray(value, "<i4").tobytes()))
            else:
                raise TypeError(f"{key}: mixed list")
        else:
            raise TypeError(f"{key}: {type(value)}")

    def tensor(self, name, array, kind):
        """array: numpy [rows, cols] (or 1-D); stored with GGUF ne = reversed shape."""
        shape = list(array.shape)
        if kind in ("q8_0", "q4_0") and shape[-1] % 32:
            raise ValueError(f"{name}: rows of {shape[-1]} values cannot be {kind}")
        self.tensors.append((name, shape, kind, encode(array, kind)))

    def write(self):
        align = lambda n: (n + self.alignment - 1) // self.alignment * self.alignment
        with open(self.path + ".tmp", "wb") as f:
            f.write(b"GGUF" + struct.pack("<IQQ", 3, len(self.tensors), len(self.kv)))
            for key, raw in self.kv:
                f.write(_str(key) + raw)
            offset = 0
            for name, shape, kind, data in self.tensors:
                ne = list(reversed(shape))
                f.write(_str(name) + struct.pack("<I", len(ne)) + struct.pack(f"<{len(ne)}Q", *ne)
                        + struct.pack("<IQ", GGML[kind], offset))
                offset = align(offset + len(data))
            f.write(b"\0" * (align(f.tell()) - f.tell()))
            start = f.tell()
            for name, shape, kind, data in self.tensors:
                f.write(b"\0" * (align(f.tell() - start) - (f.tell() - start)))
                f.write(data)
        import os
        os.replace(self.path + ".tmp", self.path)

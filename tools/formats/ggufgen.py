"""A GGUF writer and reference dequantizers in numpy, written from the format description (ggml's
block_* structs and dequantize_row_* in ggml-quants.c; gguf-py's constants), independent of the Java code
they test. Only numpy is needed.

GGUF (little-endian): b"GGUF" | u32 version | u64 n_tensors | u64 n_kv | kv... | tensor infos... | padding
to the alignment | data. A string is u64 length + UTF-8 bytes; an array is u32 element type + u64 count +
elements; a tensor info is name, u32 n_dims, u64 ne[n_dims] (innermost first), u32 ggml type, u64 offset
relative to the data start (a multiple of the alignment).
"""
import struct

import numpy as np

# metadata value types
UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64 = range(13)
_SCALAR = {UINT8: "<B", INT8: "<b", UINT16: "<H", INT16: "<h", UINT32: "<I", INT32: "<i", FLOAT32: "<f",
           BOOL: "<?", UINT64: "<Q", INT64: "<q", FLOAT64: "<d"}

# ggml tensor types: id, values per block, bytes per block
TYPES = {
    "F32": (0, 1, 4), "F16": (1, 1, 2), "Q4_0": (2, 32, 18), "Q4_1": (3, 32, 20), "Q5_0": (6, 32, 22),
    "Q5_1": (7, 32, 24), "Q8_0": (8, 32, 34), "Q2_K": (10, 256, 84), "Q4_K": (12, 256, 144),
    "Q5_K": (13, 256, 176), "Q6_K": (14, 256, 210), "Q8_K": (15, 256, 292), "IQ2_XXS": (16, 256, 66),
    "I8": (24, 1, 1), "I16": (25, 1, 2), "I32": (26, 1, 4), "I64": (27, 1, 8), "F64": (28, 1, 8),
    "BF16": (30, 1, 2),
}


def _string(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def _value(vtype, value):
    if vtype == STRING:
        return _string(value)
    if vtype == ARRAY:
        etype, items = value
        out = struct.pack("<IQ", etype, len(items))
        for it in items:
            out += _value(etype, it)
        return out
    return struct.pack(_SCALAR[vtype], value)


def write_gguf(path, kvs, tensors, version=3, alignment=32):
    """kvs: [(key, vtype, value)] (arrays: (element type, [items])); tensors: [(name, type name, ne, raw bytes)]."""
    out = bytearray(b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs)))
    for key, vtype, value in kvs:
        out += _string(key) + struct.pack("<I", vtype) + _value(vtype, value)
    offset, offsets = 0, []
    for name, tname, ne, raw in tensors:
        tid, bs, bb = TYPES[tname]
        n = int(np.prod(ne))
        assert ne[0] % bs == 0 and len(raw) == n // bs * bb, (name, tname, ne, len(raw))
        offsets.append(offset)
        out += _string(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", d) for d in ne)
        out += struct.pack("<IQ", tid, offset)
        offset += (len(raw) + alignment - 1) // alignment * alignment
    out += b"\0" * ((-len(out)) % alignment)
    for (name, tname, ne, raw), off in zip(tensors, offsets):
        out += raw + b"\0" * ((-len(raw)) % alignment)
    with open(path, "wb") as f:
        f.write(out)


# ----------------------------------------------------------------------------- random blocks


def _f16(rng, n, lo, hi, signed=False):
    v = rng.uniform(lo, hi, n)
    if signed:
        v *= rng.choice([-1, 1], n)
    return v.astype(np.float16).view(np.uint8).reshape(n, 2)


def random_blocks(rng, tname, nblocks):
    """Random but valid (finite scales) raw blocks of a quantized type, as bytes."""
    u8 = lambda k: rng.integers(0, 256, (nblocks, k), dtype=np.uint8)  # noqa: E731
    if tname == "Q8_0":
        parts = [_f16(rng, nblocks, 1e-3, 2e-2, True), rng.integers(-127, 128, (nblocks, 32)).astype(np.int8).view(np.uint8)]
    elif tname == "Q4_0":
        parts = [_f16(rng, nblocks, 1e-3, 2e-2, True), u8(16)]
    elif tname == "Q4_1":
        parts = [_f16(rng, nblocks, 1e-3, 2e-2), _f16(rng, nblocks, 1e-3, 1e-1, True), u8(16)]
    elif tname == "Q5_0":
        parts = [_f16(rng, nblocks, 1e-3, 2e-2, True), u8(4), u8(16)]
    elif tname == "Q5_1":
        parts = [_f16(rng, nblocks, 1e-3, 2e-2), _f16(rng, nblocks, 1e-3, 1e-1, True), u8(4), u8(16)]
    elif tname == "Q4_K":
        parts = [_f16(rng, nblocks, 1e-4, 1e-3), _f16(rng, nblocks, 1e-4, 1e-3), u8(12), u8(128)]
    elif tname == "Q5_K":
        parts = [_f16(rng, nblocks, 1e-4, 1e-3), _f16(rng, nblocks, 1e-4, 1e-3), u8(12), u8(32), u8(128)]
    elif tname == "Q6_K":
        parts = [u8(128), u8(64), rng.integers(-128, 128, (nblocks, 16)).astype(np.int8).view(np.uint8), _f16(rng, nblocks, 1e-5, 1e-4, True)]
    elif tname == "Q8_K":
        qs = rng.integers(-127, 128, (nblocks, 256)).astype(np.int8)
        bsums = qs.astype(np.int16).reshape(nblocks, 16, 16).sum(axis=2).astype("<i2")
        d = rng.uniform(1e-3, 1e-2, nblocks).astype("<f4").view(np.uint8).reshape(nblocks, 4)
        parts = [d, qs.view(np.uint8), bsums.view(np.uint8).reshape(nblocks, 32)]
    elif tname in ("IQ2_XXS", "Q2_K"):
        parts = [u8(TYPES[tname][2])]
    else:
        raise ValueError(tname)
    blocks = np.concatenate(parts, axis=1)
    assert blocks.shape[1] == TYPES[tname][2], tname
    return blocks.tobytes()


# ----------------------------------------------------------------------------- dequantizers


def _f32(a):
    return np.asarray(a).astype(np.float32)


def _half(b, at):
    return _f32(b[:, at:at + 2].copy().view("<f2")[:, 0])[:, None]


def _scale_min_k4(s):
    """The eight 6-bit (scale, min) pairs of a Q4_K/Q5_K super-block from its 12 packed bytes (s: [n, 12])."""
    s = s.astype(np.int32)
    sc = np.empty((s.shape[0], 8), np.int32)
    mn = np.empty((s.shape[0], 8), np.int32)
    sc[:, :4] = s[:, 0:4] & 63
    mn[:, :4] = s[:, 4:8] & 63
    sc[:, 4:] = (s[:, 8:12] & 15) | ((s[:, 0:4] >> 6) << 4)
    mn[:, 4:] = (s[:, 8:12] >> 4) | ((s[:, 4:8] >> 6) << 4)
    return _f32(sc), _f32(mn)


def dequantize(tname, raw, n):
    """The n values stored in raw (bytes of blocks of tname) as float32, following ggml's float op order."""
    _, bs, bb = TYPES[tname]
    b = np.frombuffer(raw, np.uint8).reshape(n // bs, bb)
    if tname == "Q8_0":
        return (_f32(b[:, 2:].view(np.int8)) * _half(b, 0)).reshape(-1)
    if tname in ("Q4_0", "Q4_1"):
        qs = b[:, -16:]
        q = _f32(np.concatenate([qs & 15, qs >> 4], axis=1))
        if tname == "Q4_0":
            return ((q - 8) * _half(b, 0)).reshape(-1)
        return (q * _half(b, 0) + _half(b, 2)).reshape(-1)
    if tname in ("Q5_0", "Q5_1"):
        hoff = 2 if tname == "Q5_0" else 4
        qh = b[:, hoff:hoff + 4].copy().view("<u4")[:, 0].astype(np.int64)
        bits = (qh[:, None] >> np.arange(32)[None, :]) & 1  # bit i: 5th bit of element i
        qs = b[:, hoff + 4:]
        q = np.concatenate([qs & 15, qs >> 4], axis=1).astype(np.int64) | (bits << 4)
        if tname == "Q5_0":
            return (_f32(q - 16) * _half(b, 0)).reshape(-1)
        return (_f32(q) * _half(b, 0) + _half(b, 2)).reshape(-1)
    if tname in ("Q4_K", "Q5_K"):
        d, dmin = _half(b, 0), _half(b, 2)
        sc, mn = _scale_min_k4(b[:, 4:16])
        ql = b[:, -128:].reshape(-1, 4, 32)
        q = np.stack([ql & 15, ql >> 4], axis=2).reshape(-1, 8, 32).astype(np.int64)  # sub-block 2g: low nibbles of qs[32g..]
        if tname == "Q5_K":
            qh = b[:, 16:48].astype(np.int64)  # element l of sub-block k takes bit k of qh[l]
            q = q + 16 * ((qh[:, None, :] >> np.arange(8)[None, :, None]) & 1)
        dl = (d * sc)[:, :, None]
        ml = (dmin * mn)[:, :, None]
        return (dl * _f32(q) - ml).reshape(-1)
    if tname == "Q6_K":
        ql, qh = b[:, 0:128].astype(np.int64), b[:, 128:192].astype(np.int64)
        sc = _f32(b[:, 192:208].view(np.int8))
        d = _half(b, 208)
        out = np.empty((b.shape[0], 256), np.float32)
        for half in range(2):
            for quarter in range(4):
                lo = ql[:, 64 * half + 32 * (quarter % 2): 64 * half + 32 * (quarter % 2) + 32]
                lo = lo & 15 if quarter < 2 else lo >> 4
                hi = (qh[:, 32 * half: 32 * half + 32] >> (2 * quarter)) & 3
                q = _f32((lo | (hi << 4)) - 32)
                for l16 in range(2):
                    scale = sc[:, 8 * half + 2 * quarter + l16][:, None]
                    sl = slice(16 * l16, 16 * l16 + 16)
                    out[:, 128 * half + 32 * quarter + 16 * l16: 128 * half + 32 * quarter + 16 * l16 + 16] = (d * scale) * q[:, sl]
        return out.reshape(-1)
    if tname == "Q8_K":
        d = _f32(b[:, 0:4].copy().view("<f4"))
        return (d * _f32(b[:, 4:260].view(np.int8))).reshape(-1)
    raise ValueError(tname)


# ----------------------------------------------------------------------------- llama.cpp's q/k permutation


def permute(w, n_head):
    """convert_hf_to_gguf.py's LlamaModel.permute: within each head, rows [2][hd/2] become [hd/2][2]."""
    rows = w.shape[0]
    return w.reshape(n_head, 2, rows // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def unpermute(w, n_head):
    rows = w.shape[0]
    return w.reshape(n_head, rows // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)

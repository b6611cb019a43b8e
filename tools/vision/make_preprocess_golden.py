#!/usr/bin/python3
"""Golden files for image preprocessing (spec §7), made with Debian's python3-pil.

For every case a source image is written in some format and mode, and next to it what Pillow makes of it:
`<case>.decoded.png` = Image.open(src).convert("RGB") and `<case>.resized.png` = that resized to the target
size with Image.BICUBIC (both plain 8-bit RGB PNGs, lossless). Split cases store every view (tiles + overview)
the way spec §7 defines them. One case also stores the normalised float32 pixel values of
tools/mm1ref/preprocess.py.

    /usr/bin/python3 tools/vision/make_preprocess_golden.py [OUT_DIR]
(default OUT_DIR: model/src/test/resources/golden/vision/preprocess)
"""
import io
import json
import os
import struct
import sys
import zlib

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from mm1ref.preprocess import preprocess  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "model/src/test/resources/golden/vision/preprocess")
rng = np.random.default_rng(20240611)


def content(h, w, channels=3):
    """Smooth gradients, noise, a hard-edged checkerboard and saturated blocks (to make the bicubic overshoot clip)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    planes = []
    for c in range(channels):
        p = 127.5 + 100 * np.sin(x / (3.0 + 2 * c) + y / (5.0 + c)) + rng.normal(0, 25, (h, w))
        checker = ((x // 4 + y // 4) % 2 == 0) & (x > w * 0.6)
        p[checker] = 255 if c % 2 == 0 else 0
        p[(y < h * 0.2) & (x < w * 0.3)] = 0 if c == 1 else 255
        planes.append(p)
    return np.clip(np.rint(np.stack(planes, -1)), 0, 255).astype(np.uint8)


def png_raw(path, arr, bitdepth, ctype):
    """A PNG with the exact bit depth and color type (Pillow cannot write 16-bit RGB or 2/4-bit gray)."""
    h, w = arr.shape[:2]
    if bitdepth == 16:
        rows = [arr[y].astype(">u2").tobytes() for y in range(h)]
    elif bitdepth < 8:
        per = 8 // bitdepth
        rows = []
        for y in range(h):
            v = arr[y].reshape(-1).astype(np.uint8)
            pad = (-len(v)) % per
            v = np.concatenate([v, np.zeros(pad, np.uint8)]).reshape(-1, per)
            b = np.zeros(len(v), np.uint8)
            for i in range(per):
                b |= (v[:, i] << (8 - bitdepth * (i + 1))).astype(np.uint8)
            rows.append(b.tobytes())
    else:
        rows = [arr[y].astype(np.uint8).tobytes() for y in range(h)]
    raw = b"".join(b"\x00" + r for r in rows)

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, bitdepth, ctype, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def to_rgb(img):
    """Image.convert("RGB"), except that 16-bit grayscale keeps its high byte (Pillow 9 clips it to 255)."""
    if img.mode in ("I", "I;16", "I;16B"):
        return Image.fromarray((np.asarray(img).astype(np.int64) >> 8).astype(np.uint8), "L").convert("RGB")
    return img.convert("RGB")


def save_rgb(img, name):
    assert img.mode == "RGB"
    img.save(os.path.join(OUT, name), optimize=False)
    return name


cases, splits = [], []


def case(name, src, size, decode_tolerance=0):
    img = Image.open(os.path.join(OUT, src))
    fmt = img.format
    rgb = to_rgb(img)
    resized = rgb.resize((size, size), Image.BICUBIC)
    plain = fmt == "PNG" and img.mode == "RGB"  # the source is its own decoded form
    cases.append({"name": name, "source": src, "format": fmt, "mode": img.mode, "size": size,
                  "decoded": src if plain else save_rgb(rgb, name + ".decoded.png"),
                  "resized": save_rgb(resized, name + ".resized.png"),
                  "decode_tolerance": decode_tolerance})


def split_case(name, src, sub, grid, overview):
    """Spec §7: resize to sub·grid[1] wide × sub·grid[0] high, cut row-major; overview = whole image at sub²."""
    rgb = to_rgb(Image.open(os.path.join(OUT, src)))
    big = rgb.resize((sub * grid[1], sub * grid[0]), Image.BICUBIC)
    views = [big.crop((c * sub, r * sub, (c + 1) * sub, (r + 1) * sub)) for r in range(grid[0]) for c in range(grid[1])]
    ov = rgb.resize((sub, sub), Image.BICUBIC)
    views = [ov] + views if overview == "before" else views + [ov]
    splits.append({"name": name, "source": src, "sub_image_size": sub, "grid": grid, "overview": overview,
                   "views": [save_rgb(v, f"{name}.view{i}.png") for i, v in enumerate(views)]})


def main():
    os.makedirs(OUT, exist_ok=True)
    # PNG in every mode Pillow reads, shrinking (antialiased), enlarging, mixed, unchanged
    Image.fromarray(content(150, 200)).save(os.path.join(OUT, "rgb_200x150.png"))
    case("rgb_down", "rgb_200x150.png", 64)
    case("rgb_down_odd", "rgb_200x150.png", 37)
    Image.fromarray(content(23, 37)).save(os.path.join(OUT, "rgb_37x23.png"))
    case("rgb_up", "rgb_37x23.png", 64)
    Image.fromarray(content(300, 20)).save(os.path.join(OUT, "rgb_20x300.png"))
    case("rgb_tall", "rgb_20x300.png", 48)
    Image.fromarray(content(64, 64)).save(os.path.join(OUT, "rgb_64x64.png"))
    case("rgb_same", "rgb_64x64.png", 64)
    Image.fromarray(content(120, 90, 4), "RGBA").save(os.path.join(OUT, "rgba_90x120.png"))
    case("rgba", "rgba_90x120.png", 64)
    Image.fromarray(content(50, 70, 1)[..., 0], "L").save(os.path.join(OUT, "gray_70x50.png"))
    case("gray", "gray_70x50.png", 32)
    Image.fromarray(content(61, 33, 2), "LA").save(os.path.join(OUT, "la_33x61.png"))
    case("gray_alpha", "la_33x61.png", 40)
    pal = Image.fromarray(content(80, 80)).quantize(colors=37, dither=Image.Dither.NONE)
    pal.info["transparency"] = 3
    pal.save(os.path.join(OUT, "palette_80x80.png"), transparency=3)
    case("palette", "palette_80x80.png", 48)
    Image.fromarray(content(40, 45, 1)[..., 0] > 127).save(os.path.join(OUT, "bilevel_45x40.png"))
    case("bilevel", "bilevel_45x40.png", 32)
    g16 = content(40, 45, 1)[..., 0].astype(np.uint16) * 257 + rng.integers(0, 256, (40, 45)).astype(np.uint16)
    png_raw(os.path.join(OUT, "gray16_45x40.png"), g16, 16, 0)
    case("gray16", "gray16_45x40.png", 32)
    c16 = content(30, 50).astype(np.uint16) * 257 + rng.integers(0, 256, (30, 50, 3)).astype(np.uint16)
    png_raw(os.path.join(OUT, "rgb16_50x30.png"), c16, 16, 2)
    case("rgb16", "rgb16_50x30.png", 32)
    a16 = np.concatenate([c16, rng.integers(0, 65536, (30, 50, 1)).astype(np.uint16)], -1)
    png_raw(os.path.join(OUT, "rgba16_50x30.png"), a16, 16, 6)
    case("rgba16", "rgba16_50x30.png", 24)
    png_raw(os.path.join(OUT, "gray4_30x20.png"), content(20, 30, 1)[..., 0] >> 4, 4, 0)
    case("gray4", "gray4_30x20.png", 16)
    png_raw(os.path.join(OUT, "gray2_30x20.png"), content(20, 30, 1)[..., 0] >> 6, 2, 0)
    case("gray2", "gray2_30x20.png", 16)
    # BMP, GIF, JPEG (JPEG decoders differ slightly: see decode_tolerance)
    Image.fromarray(content(50, 70)).save(os.path.join(OUT, "rgb_70x50.bmp"))
    case("bmp", "rgb_70x50.bmp", 32)
    Image.fromarray(content(50, 70)).quantize(colors=64, dither=Image.Dither.NONE).save(os.path.join(OUT, "pal_70x50.bmp"))
    case("bmp_palette", "pal_70x50.bmp", 32)
    Image.fromarray(content(60, 90)).quantize(colors=100, dither=Image.Dither.NONE).save(os.path.join(OUT, "pal_90x60.gif"))
    case("gif", "pal_90x60.gif", 40)
    Image.fromarray(content(120, 160)).save(os.path.join(OUT, "photo_160x120.jpg"), quality=90)
    case("jpeg", "photo_160x120.jpg", 64, decode_tolerance=-1)
    Image.fromarray(content(50, 66, 1)[..., 0], "L").save(os.path.join(OUT, "gray_66x50.jpg"), quality=85)
    case("jpeg_gray", "gray_66x50.jpg", 32, decode_tolerance=-1)
    Image.fromarray(content(45, 61)).save(os.path.join(OUT, "progressive_61x45.jpg"), quality=90, progressive=True)
    case("jpeg_progressive", "progressive_61x45.jpg", 32, decode_tolerance=-1)
    Image.fromarray(content(45, 61)).save(os.path.join(OUT, "s444_61x45.jpg"), quality=90, subsampling=0)
    case("jpeg_444", "s444_61x45.jpg", 32, decode_tolerance=-1)
    Image.fromarray(content(45, 61)).save(os.path.join(OUT, "s422_61x45.jpg"), quality=90, subsampling=1)
    case("jpeg_422", "s422_61x45.jpg", 32, decode_tolerance=-1)
    # CMYK JPEG: a source for the error test only (the Java decoder refuses CMYK with a clear message)
    Image.fromarray(content(20, 30, 4), "CMYK").save(os.path.join(OUT, "cmyk_30x20.jpg"), quality=90)
    # image_split (spec §7)
    split_case("split_2x2_after", "rgb_200x150.png", 28, [2, 2], "after")
    split_case("split_2x3_before", "rgb_37x23.png", 14, [2, 3], "before")
    # normalised values of the mm1ref preprocessing (float32, channels first)
    mean, std = [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]
    x = preprocess(os.path.join(OUT, "rgb_37x23.png"), 12, mean, std)
    normalised = {"source": "rgb_37x23.png", "size": 12, "mean": mean, "std": std,
                  "values": [float(v) for v in x.numpy().reshape(-1)]}
    manifest = {"generator": "tools/vision/make_preprocess_golden.py", "pillow": Image.__version__,
                "cases": cases, "splits": splits, "normalised": normalised}
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print(f"wrote {len(cases)} cases and {len(splits)} split cases to {OUT}")


if __name__ == "__main__":
    main()

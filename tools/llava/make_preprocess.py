#!/usr/bin/python3
"""Preprocessing fixtures for the LLaVA processors (tools/llava/processors.py, a port of transformers' slow
CLIPImageProcessor and LlavaNextImageProcessor on PIL inputs, and spec §9.1's GGUF preprocessing).

    /usr/bin/python3 tools/llava/make_preprocess.py [OUT_DIR]
(default OUT_DIR: model/src/test/resources/golden/llava/preprocess)

Writes:
  images/*.{png,bmp,gif,jpg}  awkward inputs: odd sizes, wide, tall, tiny (2x2, 5x4), RGBA, greyscale, grey+alpha,
                             palette, BMP, a JPEG (decoded by Pillow; decoders may differ by a level or two)
  processors.json            the processor configurations (preprocessor_config.json keys), by name
  expected.safetensors       "{processor}/{image}": F32 [views, 3, S, S] pixel values; "{processor}/{image}/best"
                             I32 [2] the anyres resolution (height, width) for the NeXT processors
  real/*.png                 LLaVA-NeXT at its real size (336-px tiles, the llava-v1.6 pinpoints) on a 500x300 image:
                             every view before rescaling, as 8-bit RGB PNG (lossless)
  anyres.json                22 aspect ratios x {HF (height, width) pinpoints, the same list read as GGUF (width,
                             height)}: best resolution, resized size, padding, tile grid, views, the unpadded
                             feature grid at 24x24 per tile ("unpadded": transformers' round(x, 7) for "hf", the
                             original LLaVA's int(x) for "gguf"; "unpadded_int": int(x) on the same grid) and the
                             rows the image becomes (base 576 + unpadded grid + one newline per grid row)
"""
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import processors as P  # noqa: E402
from mm1ref.safetensors_io import save_file  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "model/src/test/resources/golden/llava/preprocess")
HF_PINPOINTS = [[336, 672], [672, 336], [672, 672], [1008, 336], [336, 1008]]
SMALL_PINPOINTS = [[14, 28], [28, 14], [28, 28], [14, 42], [42, 14], [42, 28]]


def base(size, crop):
    return {"crop_size": {"height": crop[0], "width": crop[1]}, "do_center_crop": True, "do_convert_rgb": True,
            "do_normalize": True, "do_rescale": True, "do_resize": True, "image_mean": P.CLIP_MEAN,
            "image_std": P.CLIP_STD, "resample": 3, "rescale_factor": 0.00392156862745098, "size": size}


PROCESSORS = {
    "clip14": dict(base({"shortest_edge": 14}, (14, 14)), image_processor_type="CLIPImageProcessor"),
    # the crop is larger than the resized image on one side: transformers pads with zeros, then crops
    "clip_pad": dict(base({"shortest_edge": 10}, (14, 12)), image_processor_type="CLIPImageProcessor"),
    # a fixed (height, width) resize, custom mean/std, no crop
    "clip_hw": dict(base({"height": 11, "width": 17}, (14, 14)), image_processor_type="CLIPImageProcessor",
                    do_center_crop=False, image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5]),
    # LlavaImageProcessor with do_pad: a square of the long side filled with the mean colour first
    "llava_pad": dict(base({"shortest_edge": 14}, (14, 14)), image_processor_type="LlavaImageProcessor", do_pad=True),
    "next14": dict(base({"shortest_edge": 14}, (14, 14)), image_processor_type="LlavaNextImageProcessor",
                   image_grid_pinpoints=SMALL_PINPOINTS, do_pad=True),
    # §9.1: the mmproj's implied processor; "gguf15" pads to a square first, "gguf16" reads pinpoints as (w, h)
    "gguf15": {"gguf": True, "image_size": 14},
    "gguf16": {"gguf": True, "image_size": 14, "pinpoints_wh": [[p[1], p[0]] for p in SMALL_PINPOINTS]},
}


def content(h, w, seed, channels=3):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    planes = []
    for c in range(channels):
        p = 127.5 + 100 * np.sin(x / (3.0 + 2 * c) + y / (5.0 + c)) + rng.normal(0, 25, (h, w))
        p[((x // 3 + y // 3) % 2 == 0) & (x > w * 0.6)] = 255 if c % 2 == 0 else 0
        p[(y < h * 0.2) & (x < w * 0.3)] = 0 if c == 1 else 255
        planes.append(p)
    return np.clip(np.rint(np.stack(planes, -1)), 0, 255).astype(np.uint8)


def smooth(h, w):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    return np.clip(np.stack([127 + 120 * np.sin(x / 37 + y / 53), 127 + 120 * np.cos(x / 23 - y / 41),
                             (x + y) * 255 / (w + h)], -1), 0, 255).round().astype(np.uint8)


def write_images(folder):
    os.makedirs(folder, exist_ok=True)
    save = lambda img, name, **kw: (img.save(os.path.join(folder, name), **kw), name)[1]
    names = [
        save(Image.fromarray(content(23, 37, 1)), "odd_37x23.png"),
        save(Image.fromarray(content(20, 100, 2)), "wide_100x20.png"),
        save(Image.fromarray(content(90, 16, 3)), "tall_16x90.png"),
        save(Image.fromarray(content(2, 2, 4)), "tiny_2x2.png"),
        save(Image.fromarray(content(4, 5, 5)), "tiny_5x4.png"),
        save(Image.fromarray(content(28, 28, 6)), "exact_28.png"),
        save(Image.fromarray(content(61, 59, 7)), "big_59x61.png"),
    ]
    rgba = content(33, 26, 8, 4)
    rgba[..., 3] = (np.arange(26)[None, :] * 9 % 256).astype(np.uint8)
    names.append(save(Image.fromarray(rgba, "RGBA"), "rgba_26x33.png"))
    names.append(save(Image.fromarray(content(19, 41, 9, 1)[..., 0], "L"), "gray_41x19.png"))
    la = content(30, 17, 10, 2)
    names.append(save(Image.fromarray(la, "LA"), "gray_alpha_17x30.png"))
    pal = Image.fromarray(content(25, 31, 11)).quantize(colors=16, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    names.append(save(pal, "palette_31x25.png"))
    names.append(save(Image.fromarray(content(22, 29, 12)), "bmp_29x22.bmp"))
    names.append(save(Image.fromarray(content(35, 44, 13)), "photo_44x35.jpg", quality=90))
    return names


def pixels(name, proc, path):
    img = Image.open(path)
    if proc.get("gguf"):
        px, _, best = P.gguf_preprocess(img, proc["image_size"], P.CLIP_MEAN, P.CLIP_STD, proc.get("pinpoints_wh"))
        return px, best
    p = P.ProcessorConfig(proc)
    if proc["image_processor_type"] in ("CLIPImageProcessor", "LlavaImageProcessor"):
        return P.clip_preprocess(img, p)[None], None
    px, _, best = P.next_preprocess(img, p)
    return px, best


def anyres_table():
    sizes = [(500, 300), (300, 500), (336, 336), (1000, 100), (100, 1000), (640, 480), (480, 640), (1920, 1080),
             (1080, 1920), (800, 800), (200, 200), (1008, 336), (336, 1008), (672, 335), (701, 333), (37, 23),
             (4000, 1000), (1000, 3999), (333, 700), (1024, 768), (55, 88), (99, 88)]
    rows = []
    for w, h in sizes:
        for mode, pins_hw, round7 in (("hf", HF_PINPOINTS, True), ("gguf", [[p[1], p[0]] for p in HF_PINPOINTS], False)):
            best = P.select_best_resolution((h, w), pins_hw)
            nh, nw = P.patch_output_size(h, w, best)
            tr, tc = best[0] // 336, best[1] // 336
            r0, r1, c0, c1 = P.unpadded_grid((h, w), tr * 24, tc * 24, round7)
            i0, i1, j0, j1 = P.unpadded_grid((h, w), tr * 24, tc * 24, False)
            rows.append({"width": w, "height": h, "pinpoints": mode, "best": list(best), "resized": [nh, nw],
                         "pad_top_left": [(best[0] - nh) // 2, (best[1] - nw) // 2], "tiles": [tr, tc],
                         "views": tr * tc + 1, "unpadded": [r1 - r0, c1 - c0], "unpadded_int": [i1 - i0, j1 - j0],
                         "rows": P.next_feature_count((h, w), pins_hw, 336, 14, round7)})
    return rows


def main():
    images = os.path.join(OUT, "images")
    names = write_images(images)
    expected = {}
    for pname, proc in PROCESSORS.items():
        for name in names:
            px, best = pixels(pname, proc, os.path.join(images, name))
            expected[f"{pname}/{name}"] = torch.from_numpy(np.ascontiguousarray(px, dtype=np.float32))
            if best is not None:
                expected[f"{pname}/{name}/best"] = torch.tensor(best, dtype=torch.int32)
    save_file(expected, os.path.join(OUT, "expected.safetensors"), {"generator": "tools/llava/make_preprocess.py"})
    with open(os.path.join(OUT, "processors.json"), "w") as f:
        json.dump({"processors": PROCESSORS, "images": names}, f, indent=1)
    real = os.path.join(OUT, "real")
    os.makedirs(real, exist_ok=True)
    p336 = P.ProcessorConfig(dict(base({"shortest_edge": 336}, (336, 336)), image_grid_pinpoints=HF_PINPOINTS))
    for w, h in ((500, 300),):
        src = f"smooth_{w}x{h}.png"
        Image.fromarray(smooth(h, w)).save(os.path.join(real, src))
        views, best = P.anyres_views(np.array(Image.open(os.path.join(real, src)).convert("RGB")), p336, HF_PINPOINTS)
        for i, v in enumerate(views):
            Image.fromarray(np.ascontiguousarray(v)).save(os.path.join(real, f"smooth_{w}x{h}.view{i}.png"))
        print(f"real {src}: best {best}, {len(views)} views")
    with open(os.path.join(OUT, "anyres.json"), "w") as f:
        f.write("[\n" + ",\n".join(json.dumps(r) for r in anyres_table()) + "\n]\n")
    print(f"{len(names)} images x {len(PROCESSORS)} processors -> {len(expected)} tensors")


if __name__ == "__main__":
    main()

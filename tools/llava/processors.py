"""Python ports of the image processors of the LLaVA family, numpy + Pillow only (no transformers).

Written from Hugging Face transformers' slow (PIL) processors, step by step as they run on a PIL input:
  CLIPImageProcessor.preprocess        convert_to_rgb -> to_numpy_array (uint8 HWC) -> resize (shortest edge, PIL)
                                       -> center_crop (zero padded when too small) -> rescale -> normalize -> CHW
  LlavaNextImageProcessor.preprocess   the same on [base image squashed to the shortest edge] + the 336-px tiles
                                       of the image resized into the best grid pinpoint (aspect kept, black padding)
and the original LLaVA preprocessing that spec §9.1 gives GGUF + mmproj pairs:
  llava-1.5 ("pad")                    expand2square with the mean colour int(255 * m), then CLIPImageProcessor
  llava-1.6 ("anyres")                 the NeXT rules with the pinpoints read as (width, height) pairs

Numerics exactly as numpy does them in transformers: rescale is float32(float64(v) * rescale_factor), normalize is
(x - float32(mean)) / float32(std) in float32.

Where transformers is ambiguous or version-dependent (see tools/llava/README.md):
  - unpad rounding: transformers >= 4.45 uses int(round(x, 7)), older releases and the original LLaVA int(x);
    `unpad_round7` selects (HF folders: True; GGUF pairs, "as trained": False).
  - images 1 or 3 pixels high are read channels-first by transformers' infer_channel_dimension_format (an
    upstream ambiguity); this port treats every input as HWC.
"""
import math

import numpy as np
from PIL import Image

CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]
BICUBIC = 3


def to_rgb(img):
    """transformers.image_transforms.convert_to_rgb on a PIL image: Image.convert("RGB") (alpha dropped, not composited)."""
    return img if img.mode == "RGB" else img.convert("RGB")


def pil_resize(arr, height, width, resample=BICUBIC):
    """transformers.image_transforms.resize on uint8 HWC: through PIL (no rescaling for uint8), back to uint8 HWC."""
    assert arr.dtype == np.uint8 and arr.ndim == 3
    return np.array(Image.fromarray(arr).resize((width, height), resample=resample))


def shortest_edge_size(height, width, size):
    """get_resize_output_image_size(default_to_square=False): the short side becomes `size`, the long side int(size*long/short)."""
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = size, int(size * long / short)
    return (new_long, new_short) if width <= height else (new_short, new_long)


def center_crop(arr, crop_h, crop_w):
    """transformers.image_transforms.center_crop on HWC: top/left (orig - crop) // 2; zero padding (ceil halves) when too small."""
    h, w = arr.shape[:2]
    top, left = (h - crop_h) // 2, (w - crop_w) // 2
    bottom, right = top + crop_h, left + crop_w
    if top >= 0 and bottom <= h and left >= 0 and right <= w:
        return arr[top:bottom, left:right]
    nh, nw = max(crop_h, h), max(crop_w, w)
    out = np.zeros((nh, nw) + arr.shape[2:], dtype=arr.dtype)
    tp, lp = math.ceil((nh - h) / 2), math.ceil((nw - w) / 2)
    out[tp:tp + h, lp:lp + w] = arr
    top, bottom, left, right = top + tp, bottom + tp, left + lp, right + lp
    return out[max(0, top):min(nh, bottom), max(0, left):min(nw, right)]


def rescale(arr, factor):
    return (arr.astype(np.float64) * factor).astype(np.float32)


def normalize(arr, mean, std):
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float32)
    return (arr - np.array(mean, dtype=arr.dtype)) / np.array(std, dtype=arr.dtype)


class ProcessorConfig:
    """The keys of preprocessor_config.json that CLIPImageProcessor / LlavaNextImageProcessor read (their defaults)."""

    def __init__(self, d):
        self.do_resize = d.get("do_resize", True)
        self.size = d.get("size", {"shortest_edge": 224})
        if isinstance(self.size, int):
            self.size = {"shortest_edge": self.size}
        self.resample = d.get("resample", BICUBIC)
        self.do_center_crop = d.get("do_center_crop", True)
        self.crop_size = d.get("crop_size", {"height": 224, "width": 224})
        if isinstance(self.crop_size, int):
            self.crop_size = {"height": self.crop_size, "width": self.crop_size}
        self.do_rescale = d.get("do_rescale", True)
        self.rescale_factor = d.get("rescale_factor", 1 / 255)
        self.do_normalize = d.get("do_normalize", True)
        self.image_mean = d.get("image_mean", CLIP_MEAN)
        self.image_std = d.get("image_std", CLIP_STD)
        self.do_convert_rgb = d.get("do_convert_rgb", True)
        self.image_processor_type = d.get("image_processor_type", "CLIPImageProcessor")
        self.do_pad = d.get("do_pad", self.image_processor_type == "LlavaNextImageProcessor")
        self.image_grid_pinpoints = d.get("image_grid_pinpoints",
                                          [[336, 672], [672, 336], [672, 672], [1008, 336], [336, 1008]])


def clip_views(arr, p: ProcessorConfig):
    """The per-image part of CLIPImageProcessor.preprocess after to_numpy_array: uint8 HWC -> float32 CHW."""
    if p.do_resize:
        if "shortest_edge" in p.size:
            h, w = shortest_edge_size(arr.shape[0], arr.shape[1], p.size["shortest_edge"])
        else:
            h, w = p.size["height"], p.size["width"]
        arr = pil_resize(arr, h, w, p.resample)
    if p.do_center_crop:
        arr = center_crop(arr, p.crop_size["height"], p.crop_size["width"])
    if p.do_rescale:
        arr = rescale(arr, p.rescale_factor)
    if p.do_normalize:
        arr = normalize(arr, p.image_mean, p.image_std)
    return np.ascontiguousarray(arr.transpose(2, 0, 1)).astype(np.float32)


def clip_preprocess(img, p: ProcessorConfig):
    """CLIPImageProcessor on one PIL image: float32 [3, H, W]. LlavaImageProcessor with do_pad first pads the image to
    a square of its long side with int(255 * mean) (its pad_to_square, the same as the original LLaVA's expand2square)."""
    if p.do_convert_rgb:
        img = to_rgb(img)
    if p.image_processor_type == "LlavaImageProcessor" and p.do_pad:
        img = expand2square(img, p.image_mean)
    return clip_views(np.array(img), p)


# ---------------------------------------------------------------------------------------------- anyres

def select_best_resolution(original_size, possible_resolutions):
    """(height, width) of the candidate with the most effective pixels, then the least waste; the first wins ties."""
    oh, ow = original_size
    best, max_eff, min_waste = None, 0, float("inf")
    for h, w in possible_resolutions:
        scale = min(w / ow, h / oh)
        dw, dh = int(ow * scale), int(oh * scale)
        eff = min(dw * dh, ow * oh)
        waste = w * h - eff
        if eff > max_eff or (eff == max_eff and waste < min_waste):
            max_eff, min_waste, best = eff, waste, (h, w)
    return best


def patch_output_size(oh, ow, target):
    """get_patch_output_size: the aspect-preserving size inside `target` (height, width), ceil on the free side."""
    th, tw = target
    sw, sh = tw / ow, th / oh
    if sw < sh:
        return min(math.ceil(oh * sw), th), tw
    return th, min(math.ceil(ow * sh), tw)


def anyres_views(arr, p: ProcessorConfig, pinpoints_hw):
    """LlavaNextImageProcessor.get_image_patches: [base squashed to the shortest edge] + tiles, uint8 HWC each."""
    oh, ow = arr.shape[:2]
    best = select_best_resolution((oh, ow), pinpoints_hw)
    nh, nw = patch_output_size(oh, ow, best)
    resized = pil_resize(arr, nh, nw, p.resample)
    th, tw = best
    px, rx = divmod(tw - nw, 2)
    py, ry = divmod(th - nh, 2)
    padded = np.pad(resized, ((py, py + ry), (px, px + rx), (0, 0)), mode="constant", constant_values=0)
    tile = p.crop_size["height"]
    tiles = [padded[i:i + tile, j:j + tile] for i in range(0, th, tile) for j in range(0, tw, tile)]
    se = p.size["shortest_edge"] if "shortest_edge" in p.size else min(p.size["height"], p.size["width"])
    base = pil_resize(arr, se, se, p.resample)
    return [base] + tiles, best


def next_preprocess(img, p: ProcessorConfig, pinpoints_hw=None):
    """LlavaNextImageProcessor on one PIL image: (float32 [views, 3, S, S], image_size (H, W), best (h, w))."""
    if p.do_convert_rgb:
        img = to_rgb(img)
    arr = np.array(img)
    views, best = anyres_views(arr, p, pinpoints_hw if pinpoints_hw is not None else p.image_grid_pinpoints)
    return np.stack([clip_views(v, p) for v in views]), (arr.shape[0], arr.shape[1]), best


def grid_shape(image_size_hw, pinpoints_hw, tile):
    """get_anyres_image_grid_shape: (tile rows, tile columns) of the best resolution."""
    h, w = select_best_resolution(image_size_hw, pinpoints_hw)
    return h // tile, w // tile


def unpadded_grid(image_size_hw, rows, cols, round7=True):
    """unpad_image on a [rows, cols] feature grid: the kept (row0, row1, col0, col1) for an image of (H, W)."""
    oh, ow = image_size_hw
    if ow / oh > cols / rows:
        scale = cols / ow
        new_h = int(round(oh * scale, 7)) if round7 else int(oh * scale)
        pad = (rows - new_h) // 2
        return pad, rows - pad, 0, cols
    scale = rows / oh
    new_w = int(round(ow * scale, 7)) if round7 else int(ow * scale)
    pad = (cols - new_w) // 2
    return 0, rows, pad, cols - pad


def next_feature_count(image_size_hw, pinpoints_hw, image_size, patch_size, round7=True):
    """Rows an image becomes in LLaVA-NeXT (strategy default): base g² + unpadded grid + one newline per grid row."""
    g = image_size // patch_size
    tr, tc = grid_shape(image_size_hw, pinpoints_hw, image_size)
    r0, r1, c0, c1 = unpadded_grid(image_size_hw, tr * g, tc * g, round7)
    return g * g + (r1 - r0) * (c1 - c0 + 1)


# ---------------------------------------------------------------------------------------------- spec §9.1

def expand2square(img, mean):
    """Original LLaVA's expand2square: centred on a square of the long side filled with int(255 * m) per channel."""
    w, h = img.size
    bg = tuple(int(x * 255) for x in mean)
    if w == h:
        return img
    if w > h:
        out = Image.new(img.mode, (w, w), bg)
        out.paste(img, (0, (w - h) // 2))
    else:
        out = Image.new(img.mode, (h, h), bg)
        out.paste(img, ((h - w) // 2, 0))
    return out


def gguf_processor(image_size, mean, std, pinpoints_wh=None):
    """The CLIP processor an mmproj file implies: shortest edge and crop = image_size, its mean/std, rescale 1/255."""
    d = {"size": {"shortest_edge": image_size}, "crop_size": {"height": image_size, "width": image_size},
         "image_mean": list(mean), "image_std": list(std), "image_processor_type": "CLIPImageProcessor"}
    if pinpoints_wh:
        d["image_grid_pinpoints"] = [[h, w] for (w, h) in pinpoints_wh]
    return ProcessorConfig(d)


def gguf_preprocess(img, image_size, mean, std, pinpoints_wh=None):
    """Spec §9.1 on one PIL image: llava-1.5 pad-to-square + CLIP, or llava-1.6 anyres; float32 [views, 3, S, S]."""
    p = gguf_processor(image_size, mean, std, pinpoints_wh)
    img = to_rgb(img)
    if not pinpoints_wh:
        return clip_preprocess(expand2square(img, mean), p)[None], (img.size[1], img.size[0]), None
    return next_preprocess(img, p)

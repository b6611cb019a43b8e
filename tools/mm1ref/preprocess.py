"""Image preprocessing of §7: RGB, squash-resize with Pillow BICUBIC, [0,1], mean/std, CHW."""
import numpy as np
import torch
from PIL import Image


def preprocess(image, size, mean, std):
    """`image`: a path or a PIL image. Returns F32 [3, size, size]."""
    img = Image.open(image) if isinstance(image, str) else image
    if img.mode in ("I", "I;16", "I;16B", "I;16L"):
        # 16-bit grayscale: keep the high byte, as Pillow does for 16-bit color (Pillow 9's convert("RGB") would
        # clip every sample above 255 to white)
        img = Image.fromarray((np.asarray(img).astype(np.int64) >> 8).astype(np.uint8), "L")
    img = img.convert("RGB")
    if img.size != (size, size):
        img = img.resize((size, size), Image.BICUBIC)  # antialiased when shrinking
    x = np.asarray(img, dtype=np.float32) / 255.0
    x = (x - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    return torch.from_numpy(x.transpose(2, 0, 1).copy())

package dev.mm1j.model.vision;

import dev.mm1j.core.Mm1jException;

/**
 * An 8-bit RGB image: {@code rgb[(y·width + x)·3 + c]}, rows top to bottom, channels R, G, B. The array is
 * held as given (not copied), so the image is cheap to pass around; treat it as read-only.
 *
 * @param width  columns (≥ 1)
 * @param height rows (≥ 1)
 * @param rgb    width · height · 3 bytes
 */
public record RgbImage(int width, int height, byte[] rgb) {

    public RgbImage {
        if (width < 1 || height < 1) throw new Mm1jException("image size " + width + "x" + height + " is empty");
        if (rgb == null || rgb.length != (long) width * height * 3) {
            throw new Mm1jException("image " + width + "x" + height + " needs " + (long) width * height * 3 + " RGB bytes, got " + (rgb == null ? 0 : rgb.length));
        }
    }

    /** A new black image. */
    public static RgbImage blank(int width, int height) {
        long n = (long) width * height * 3;
        if (n > Integer.MAX_VALUE - 8) throw new Mm1jException("image size " + width + "x" + height + " is too large");
        return new RgbImage(width, height, new byte[(int) Math.max(n, 0)]);
    }

    /** Sample (0..255) of channel {@code c} at column {@code x}, row {@code y}. */
    public int get(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xff;
    }

    /** The rectangle of {@code w × h} pixels whose top-left corner is ({@code x0}, {@code y0}), copied. */
    public RgbImage crop(int x0, int y0, int w, int h) {
        if (x0 < 0 || y0 < 0 || w < 1 || h < 1 || x0 + w > width || y0 + h > height) {
            throw new Mm1jException("crop " + w + "x" + h + "+" + x0 + "+" + y0 + " is outside the " + width + "x" + height + " image");
        }
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) System.arraycopy(rgb, ((y0 + y) * width + x0) * 3, out, y * w * 3, w * 3);
        return new RgbImage(w, h, out);
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}

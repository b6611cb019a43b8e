package dev.mm1j.model.vision;

import dev.mm1j.core.Mm1jException;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes PNG, JPEG, BMP and GIF (first frame) files with {@code javax.imageio} into 8-bit RGB the way
 * Pillow's {@code Image.open(f).convert("RGB")} does: grayscale and palette images expanded, alpha dropped
 * (not composited), 16-bit samples reduced to their high byte, low bit depths scaled to 0..255.
 *
 * <p>Hostile files are refused before any pixel is decoded: the format is recognised from the first bytes
 * (other formats get an error that names them), and the size declared in the header must be non-empty and at
 * most {@link #maxPixels()} pixels, so a file declaring 100 000 × 100 000 pixels costs nothing. Truncated and
 * corrupt files fail with one line that names the file and the problem.
 *
 * <p>Known difference from Pillow: Pillow 9 clips 16-bit grayscale samples to 255 when converting to RGB
 * (nearly every such image turns white); here they are reduced to their high byte like 16-bit color is.
 */
public final class ImageDecoder {
    /** Pillow's {@code Image.MAX_IMAGE_PIXELS} (about 89.5 megapixels): the default limit. */
    public static final long DEFAULT_MAX_PIXELS = 89_478_485L;
    /** The system property that overrides the default limit, e.g. {@code -Dmm1j.image.maxPixels=200000000}. */
    public static final String MAX_PIXELS_PROPERTY = "mm1j.image.maxPixels";

    private final long maxPixels;

    /** @param maxPixels the largest width · height accepted (≥ 1) */
    public ImageDecoder(long maxPixels) {
        if (maxPixels < 1) throw new Mm1jException("the image pixel limit must be positive, got " + maxPixels);
        this.maxPixels = maxPixels;
    }

    /** A decoder with the limit from {@value #MAX_PIXELS_PROPERTY} or {@link #DEFAULT_MAX_PIXELS}. */
    public static ImageDecoder withDefaultLimit() {
        String p = System.getProperty(MAX_PIXELS_PROPERTY);
        if (p == null) return new ImageDecoder(DEFAULT_MAX_PIXELS);
        try {
            return new ImageDecoder(Long.parseLong(p.trim()));
        } catch (NumberFormatException e) {
            throw new Mm1jException("-D" + MAX_PIXELS_PROPERTY + " expects an integer, got '" + p + "'");
        }
    }

    public long maxPixels() {
        return maxPixels;
    }

    /** Decodes the image file {@code file}. */
    public RgbImage decode(Path file) {
        byte[] head = new byte[32];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (NoSuchFileException e) {
            throw new Mm1jException(file + ": no such file");
        } catch (IOException e) {
            throw new Mm1jException(file + ": cannot read: " + e.getMessage());
        }
        String format = sniff(head, n, file.toString());
        checkHeaderSize(format, head, n, file.toString());
        try (InputStream in = Files.newInputStream(file)) {
            return decode(in, format, file.toString());
        } catch (IOException e) {
            throw new Mm1jException(file + ": cannot read: " + e.getMessage());
        }
    }

    /** Decodes an image held in memory; {@code name} names it in errors. */
    public RgbImage decode(byte[] bytes, String name) {
        String format = sniff(bytes, bytes.length, name);
        checkHeaderSize(format, bytes, bytes.length, name);
        return decode(new ByteArrayInputStream(bytes), format, name);
    }

    /**
     * The format of a file starting with {@code head} (its first {@code n} bytes): "PNG", "JPEG", "BMP" or "GIF";
     * any other recognised or unrecognised content is an error naming it.
     */
    static String sniff(byte[] head, int n, String name) {
        if (n <= 0) throw new Mm1jException(name + ": the file is empty, not an image");
        if (starts(head, n, 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a)) return "PNG";
        if (starts(head, n, 0xff, 0xd8, 0xff)) return "JPEG";
        if (starts(head, n, 'G', 'I', 'F', '8')) return "GIF";
        if (starts(head, n, 'B', 'M') && n >= 18) return "BMP";
        String other = otherFormat(head, n);
        String formats = "PNG, JPEG, BMP and GIF are supported";
        if (other != null) throw new Mm1jException(name + ": " + (other.startsWith("PDF") ? "a PDF document is not an image" : other + " images are not supported") + " (" + formats + ")");
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(n, 8); i++) hex.append(String.format("%02x ", head[i] & 0xff));
        throw new Mm1jException(name + ": not an image in a known format (starts with " + hex.toString().trim() + "; " + formats + ")");
    }

    /**
     * For PNG and BMP, checks the size in the fixed-position header ourselves (the BMP decoder rejects sizes
     * that do not match the file with a vaguer message); JPEG and GIF are checked through the decoder's header.
     */
    private void checkHeaderSize(String format, byte[] h, int n, String name) {
        long w, ht;
        if (format.equals("PNG") && n >= 24) {
            w = java.nio.ByteBuffer.wrap(h, 16, 8).getInt() & 0xffffffffL;
            ht = java.nio.ByteBuffer.wrap(h, 20, 4).getInt() & 0xffffffffL;
        } else if (format.equals("BMP") && n >= 26) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(h).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            if (b.getInt(14) == 12) { // OS/2 BITMAPCOREHEADER: 16-bit sizes
                w = b.getShort(18) & 0xffff;
                ht = b.getShort(20) & 0xffff;
            } else {
                w = b.getInt(18);
                ht = Math.abs((long) b.getInt(22)); // negative: rows stored top-down
            }
        } else {
            return;
        }
        checkSize(format, w, ht, name);
    }

    private void checkSize(String format, long w, long h, String name) {
        if (w < 1 || h < 1) throw new Mm1jException(name + ": the " + format + " header declares an empty image (" + w + "x" + h + ")");
        if (w * h > maxPixels) {
            throw new Mm1jException(name + ": the " + format + " image is " + w + "x" + h + " = " + w * h
                + " pixels, more than the limit of " + maxPixels + " (raise it with --max-pixels or -D" + MAX_PIXELS_PROPERTY + ")");
        }
    }

    private static String otherFormat(byte[] h, int n) {
        if (starts(h, n, 'R', 'I', 'F', 'F') && n >= 12 && h[8] == 'W' && h[9] == 'E' && h[10] == 'B' && h[11] == 'P') return "WebP";
        if (starts(h, n, 'I', 'I', 42, 0) || starts(h, n, 'M', 'M', 0, 42)) return "TIFF";
        if (n >= 12 && h[4] == 'f' && h[5] == 't' && h[6] == 'y' && h[7] == 'p') {
            String brand = new String(h, 8, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            return brand.startsWith("avi") ? "AVIF" : brand.startsWith("hei") || brand.startsWith("mif") || brand.startsWith("hev") ? "HEIF/HEIC" : "ISO media (" + brand.trim() + ")";
        }
        if (starts(h, n, 0, 0, 0, 0x0c, 'j', 'P') || starts(h, n, 0xff, 0x4f, 0xff, 0x51)) return "JPEG 2000";
        if (starts(h, n, 0xff, 0x0a) || starts(h, n, 0, 0, 0, 0x0c, 'J', 'X', 'L')) return "JPEG XL";
        if (starts(h, n, '8', 'B', 'P', 'S')) return "Photoshop (PSD)";
        if (starts(h, n, 0, 0, 1, 0)) return "ICO";
        if (starts(h, n, 'q', 'o', 'i', 'f')) return "QOI";
        if (starts(h, n, 0x76, 0x2f, 0x31, 0x01)) return "OpenEXR";
        if (starts(h, n, '%', 'P', 'D', 'F')) return "PDF";
        if (n >= 2 && h[0] == 'P' && h[1] >= '1' && h[1] <= '7') return "Netpbm (PNM)";
        String text = new String(h, 0, Math.min(n, 32), java.nio.charset.StandardCharsets.ISO_8859_1).stripLeading();
        if (text.startsWith("<svg") || text.startsWith("<?xml")) return "SVG/XML";
        return null;
    }

    private static boolean starts(byte[] h, int n, int... magic) {
        if (n < magic.length) return false;
        for (int i = 0; i < magic.length; i++) if ((h[i] & 0xff) != magic[i]) return false;
        return true;
    }

    private RgbImage decode(InputStream input, String format, String name) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
        if (!readers.hasNext()) throw new Mm1jException(name + ": this Java runtime has no " + format + " decoder");
        ImageReader reader = readers.next();
        List<String> warnings = new ArrayList<>();
        try (ImageInputStream iis = new MemoryCacheImageInputStream(input)) {
            reader.setInput(iis, true, true);
            reader.addIIOReadWarningListener((r, w) -> warnings.add(w));
            int w, h;
            try {
                w = reader.getWidth(0);
                h = reader.getHeight(0);
            } catch (IOException | RuntimeException e) {
                throw corrupt(name, format, e);
            }
            checkSize(format, w, h, name);
            BufferedImage img;
            try {
                img = reader.read(0);
            } catch (IOException | RuntimeException e) {
                throw corrupt(name, format, e);
            }
            for (String warning : warnings) {
                if (warning.toLowerCase(java.util.Locale.ROOT).contains("premature end")) {
                    throw new Mm1jException(name + ": the " + format + " file is truncated (" + warning.trim() + ")");
                }
            }
            if (img.getWidth() != w || img.getHeight() != h) {
                throw new Mm1jException(name + ": the " + format + " decoder returned " + img.getWidth() + "x" + img.getHeight() + ", the header declares " + w + "x" + h);
            }
            return toRgb(img, name, format);
        } catch (IOException e) {
            throw new Mm1jException(name + ": cannot read: " + e.getMessage());
        } finally {
            reader.dispose();
        }
    }

    private static Mm1jException corrupt(String name, String format, Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        boolean eof = root instanceof java.io.EOFException;
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (root != e && root.getMessage() != null) why += ": " + root.getMessage();
        if (eof) return new Mm1jException(name + ": the " + format + " file is truncated (" + why + ")", e);
        if (why.contains("width <= 0") || why.contains("height <= 0")) return new Mm1jException(name + ": the " + format + " header declares an empty image (" + why + ")", e);
        if (why.contains("Unsupported Image Type")) why = "unsupported color type (CMYK and YCCK JPEGs are not supported)";
        return new Mm1jException(name + ": cannot decode the " + format + " file: " + why, e);
    }

    /** The decoded image as 8-bit RGB (see the class comment for the rules). */
    static RgbImage toRgb(BufferedImage img, String name, String format) {
        int w = img.getWidth(), h = img.getHeight();
        RgbImage out = RgbImage.blank(w, h);
        byte[] dst = out.rgb();
        ColorModel cm = img.getColorModel();
        Raster raster = img.getRaster();
        if (cm instanceof IndexColorModel icm) {
            int[] idx = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, idx);
                for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                    int p = idx[x];
                    dst[o] = (byte) icm.getRed(p);
                    dst[o + 1] = (byte) icm.getGreen(p);
                    dst[o + 2] = (byte) icm.getBlue(p);
                }
            }
            return out;
        }
        int space = cm.getColorSpace().getType();
        int colors = cm.getNumColorComponents();
        boolean gray = space == ColorSpace.TYPE_GRAY && colors == 1;
        boolean rgb = space == ColorSpace.TYPE_RGB && colors == 3;
        if (!gray && !rgb) {
            throw new Mm1jException(name + ": " + format + " images in the " + colorSpaceName(space) + " color space are not supported (RGB, grayscale and palette are)");
        }
        if (fastByteCopy(raster, gray, w, h, dst)) return out;
        int bands = raster.getNumBands();
        int[] bits = raster.getSampleModel().getSampleSize();
        int[] row = new int[w * bands];
        for (int y = 0; y < h; y++) {
            raster.getPixels(0, y, w, 1, row);
            for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                for (int c = 0; c < 3; c++) {
                    int band = gray ? 0 : c;
                    dst[o + c] = (byte) to8(row[x * bands + band], bits[band]);
                }
            }
        }
        return out;
    }

    /** An n-bit sample as 8 bits: 16 bits keep the high byte (as Pillow does), fewer bits scale to 0..255. */
    private static int to8(int v, int bits) {
        if (bits == 8) return v;
        if (bits > 8) return v >>> (bits - 8);
        int max = (1 << bits) - 1;
        return (v * 255 + max / 2) / max;
    }

    /** Interleaved 8-bit rasters (the common case: RGB, BGR, RGBA, ABGR, gray) copied without per-pixel calls. */
    private static boolean fastByteCopy(Raster raster, boolean gray, int w, int h, byte[] dst) {
        if (!(raster.getSampleModel() instanceof ComponentSampleModel sm) || !(raster.getDataBuffer() instanceof DataBufferByte db)) return false;
        if (db.getNumBanks() != 1 || raster.getSampleModelTranslateX() != 0 || raster.getSampleModelTranslateY() != 0) return false;
        for (int b : sm.getBankIndices()) if (b != 0) return false;
        byte[] src = db.getData();
        int ps = sm.getPixelStride(), ss = sm.getScanlineStride();
        int[] off = sm.getBandOffsets();
        int r = off[0], g = off[gray ? 0 : 1], b = off[gray ? 0 : 2];
        int base = db.getOffset();
        for (int y = 0; y < h; y++) {
            int p = base + y * ss;
            for (int x = 0, o = y * w * 3; x < w; x++, o += 3, p += ps) {
                dst[o] = src[p + r];
                dst[o + 1] = src[p + g];
                dst[o + 2] = src[p + b];
            }
        }
        return true;
    }

    private static String colorSpaceName(int type) {
        return switch (type) {
            case ColorSpace.TYPE_CMYK -> "CMYK";
            case ColorSpace.TYPE_YCbCr -> "YCbCr";
            case ColorSpace.TYPE_Lab -> "Lab";
            default -> "type-" + type;
        };
    }
}

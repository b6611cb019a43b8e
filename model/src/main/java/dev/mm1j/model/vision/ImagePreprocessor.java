package dev.mm1j.model.vision;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns image files into the {@code pixel_values} the encoder sees (spec §7): decode to RGB, resize with
 * Pillow's bicubic filter (squash: the aspect ratio is ignored), scale to [0, 1], normalise with the configured
 * mean and std, channels first. With {@code image_split} enabled every input image becomes its tiles
 * (row-major) and an overview, in the configured order, each at {@code sub_image_size}.
 */
public final class ImagePreprocessor {
    private final ImagePreprocessConfig norm;
    private final ImageSplitConfig split;
    private final int size;
    private final ImageDecoder decoder;

    /**
     * @param norm      mean, std and the resize rule
     * @param split     the splitting scheme (disabled: one image of {@code imageSize}² per input)
     * @param imageSize the side of the encoder's input without splitting ({@code vision_config.image_size})
     * @param decoder   the decoder (and its pixel limit)
     */
    public ImagePreprocessor(ImagePreprocessConfig norm, ImageSplitConfig split, int imageSize, ImageDecoder decoder) {
        this.norm = norm;
        this.split = split;
        this.size = split.enabled() ? split.subImageSize() : imageSize;
        this.decoder = decoder;
    }

    public ImagePreprocessor(VisionPipelineConfig config, ImageDecoder decoder) {
        this(config.preprocess(), config.split(), config.vision().imageSize(), decoder);
    }

    /** The side S of every encoder image. */
    public int imageSize() {
        return size;
    }

    /** Encoder images per input image (tiles + overview, or 1). */
    public int imagesPerInput() {
        return split.imagesPerInput();
    }

    /** Decodes {@code files} and returns their pixel values [N·k, 3, S, S] F32 (k = {@link #imagesPerInput()}), in file order. */
    public Tensor pixels(List<Path> files) {
        List<RgbImage> views = new ArrayList<>();
        for (Path f : files) views.addAll(views(decoder.decode(f)));
        return normalise(views);
    }

    /** The 8-bit images the encoder sees for {@code image}, before normalisation: the resized image, or tiles + overview. */
    public List<RgbImage> views(RgbImage image) {
        if (!split.enabled()) return List.of(PillowResize.resize(image, size, size));
        int rows = split.rows(), cols = split.cols();
        RgbImage big = PillowResize.resize(image, size * cols, size * rows);
        List<RgbImage> out = new ArrayList<>(rows * cols + 1);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) out.add(big.crop(c * size, r * size, size, size));
        }
        out.add(split.overviewIndex(), PillowResize.resize(image, size, size));
        return out;
    }

    /** [N, 3, S, S] F32 host tensor of normalised, channels-first pixels; every image must be S × S. */
    public Tensor normalise(List<RgbImage> images) {
        Tensor t = Tensor.allocateHost(DType.F32, images.size(), 3, size, size);
        MemorySegment seg = t.data();
        float[][] lut = new float[3][256];
        for (int c = 0; c < 3; c++) for (int v = 0; v < 256; v++) lut[c][v] = norm.normalise(c, v);
        float[] plane = new float[size * size];
        long planeBytes = (long) size * size * 4;
        for (int n = 0; n < images.size(); n++) {
            RgbImage img = images.get(n);
            if (img.width() != size || img.height() != size) {
                t.close();
                throw new dev.mm1j.core.Mm1jException("[preprocess] image " + n + " is " + img.width() + "x" + img.height() + ", expected " + size + "x" + size);
            }
            byte[] px = img.rgb();
            for (int c = 0; c < 3; c++) {
                float[] l = lut[c];
                for (int i = 0; i < plane.length; i++) plane[i] = l[px[i * 3 + c] & 0xff];
                MemorySegment.copy(plane, 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED, (n * 3L + c) * planeBytes, plane.length);
            }
        }
        return t;
    }
}

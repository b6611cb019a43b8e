package dev.mm1j.model.llava;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.model.vision.PillowResize;
import dev.mm1j.model.vision.RgbImage;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The image processors of the LLaVA family, to the bit as transformers' slow (PIL) processors compute them on a PIL
 * image (tools/llava/processors.py is the Python port the tests compare with):
 * <ul>
 *   <li>CLIPImageProcessor: resize so the short side is {@code shortest_edge} (long side {@code int(s·long/short)}),
 *       Pillow's bicubic; centre crop ({@code (size − crop) // 2}, zero-padded when the image is smaller); rescale
 *       {@code float32(float64(v) · rescale_factor)}; normalise {@code (x − float32(mean)) / float32(std)} in float32;
 *       channels first;</li>
 *   <li>LlavaImageProcessor with do_pad (and GGUF llava-1.5, spec §9.1): first centred on a square of the long side
 *       filled with {@code int(255·mean)} per channel;</li>
 *   <li>LlavaNextImageProcessor (anyres): the base image squashed to the shortest edge, then the image resized into
 *       its best pinpoint (aspect kept, {@code ceil} on the free side), padded with black ({@code (target − size) // 2}
 *       before), cut into crop-size tiles row-major; each view then through the CLIP steps.</li>
 * </ul>
 * Inputs are decoded 8-bit RGB images ({@link dev.mm1j.model.vision.ImageDecoder} matches Pillow's
 * {@code convert("RGB")}: alpha dropped, grey expanded).
 */
public final class LlavaImageProcessor {
    private final ProcessorConfig c;
    private final float[][] lut = new float[3][256]; // the normalised value of each 8-bit sample, per channel

    public LlavaImageProcessor(ProcessorConfig config) {
        this.c = config;
        for (int ch = 0; ch < 3; ch++) {
            float mean = (float) config.mean()[ch], std = (float) config.std()[ch];
            for (int v = 0; v < 256; v++) {
                float x = config.doRescale() ? (float) (v * config.rescaleFactor()) : v;
                lut[ch][v] = config.doNormalize() ? (x - mean) / std : x;
            }
        }
    }

    public ProcessorConfig config() {
        return c;
    }

    /**
     * One image, preprocessed.
     *
     * @param pixels F32 [views, 3, H, W] host tensor (llava: one view; NeXT: base image then tiles)
     * @param height the original image's height (transformers' image_sizes)
     * @param width  its width
     */
    public record Processed(Tensor pixels, int height, int width) implements AutoCloseable {
        public int views() {
            return (int) pixels.dim(0);
        }

        @Override
        public void close() {
            pixels.close();
        }
    }

    /** Preprocesses one decoded image; the caller closes the result. */
    public Processed process(RgbImage image) {
        return new Processed(normalise(views(image)), image.height(), image.width());
    }

    /** The 8-bit views the encoder sees for {@code image}, before rescaling and normalisation. */
    public List<RgbImage> views(RgbImage image) {
        if (c.isNext()) {
            List<RgbImage> out = new ArrayList<>();
            for (RgbImage v : anyresViews(image)) out.add(clipSteps(v));
            return out;
        }
        return List.of(clipSteps(c.padsToSquare() ? padToSquare(image, c.mean()) : image));
    }

    /** get_image_patches: [base image squashed to the base size] + the tiles of the image fitted into its best pinpoint. */
    List<RgbImage> anyresViews(RgbImage image) {
        Anyres a = c.anyres();
        int h = image.height(), w = image.width();
        int[] best = a.bestResolution(h, w);
        int[] size = Anyres.resizedSize(h, w, best);
        RgbImage resized = PillowResize.resize(image, size[1], size[0]);
        RgbImage padded = paste(resized, best[1], best[0], (best[1] - size[1]) / 2, (best[0] - size[0]) / 2, new int[3]);
        List<RgbImage> out = new ArrayList<>();
        int se = c.baseSize();
        out.add(PillowResize.resize(image, se, se));
        for (int y = 0; y < best[0]; y += a.tile()) {
            for (int x = 0; x < best[1]; x += a.tile()) out.add(padded.crop(x, y, a.tile(), a.tile()));
        }
        return out;
    }

    /** Resize (shortest edge or height × width) and centre crop, on 8-bit pixels. */
    RgbImage clipSteps(RgbImage image) {
        RgbImage img = image;
        if (c.doResize()) {
            int h, w;
            if (c.shortestEdge() > 0) {
                int[] s = shortestEdgeSize(img.height(), img.width(), c.shortestEdge());
                h = s[0];
                w = s[1];
            } else {
                h = c.sizeH();
                w = c.sizeW();
            }
            img = PillowResize.resize(img, w, h);
        }
        return c.doCenterCrop() ? centerCrop(img, c.cropH(), c.cropW()) : img;
    }

    /** get_resize_output_image_size(default_to_square=False): (height, width) with the short side {@code size}. */
    static int[] shortestEdgeSize(int h, int w, int size) {
        int shortSide = Math.min(h, w), longSide = Math.max(h, w);
        int newLong = (int) ((double) size * longSide / shortSide);
        return w <= h ? new int[] {newLong, size} : new int[] {size, newLong};
    }

    /** transformers' center_crop: the window at ((h − ch) // 2, (w − cw) // 2); zero padding (ceil halves) first when smaller. */
    static RgbImage centerCrop(RgbImage img, int ch, int cw) {
        int h = img.height(), w = img.width();
        int top = Math.floorDiv(h - ch, 2), left = Math.floorDiv(w - cw, 2);
        if (top >= 0 && left >= 0 && top + ch <= h && left + cw <= w) return img.crop(left, top, cw, ch);
        int nh = Math.max(ch, h), nw = Math.max(cw, w);
        int tp = (nh - h + 1) / 2, lp = (nw - w + 1) / 2; // ceil((new − orig) / 2)
        RgbImage padded = paste(img, nw, nh, lp, tp, new int[3]);
        return padded.crop(Math.max(0, left + lp), Math.max(0, top + tp), cw, ch);
    }

    /** expand2square / pad_to_square: centred ({@code (long − short) // 2}) on a square filled with int(255·m) per channel. */
    static RgbImage padToSquare(RgbImage img, double[] mean) {
        int h = img.height(), w = img.width();
        if (h == w) return img;
        int side = Math.max(h, w);
        int[] fill = {(int) (mean[0] * 255), (int) (mean[1] * 255), (int) (mean[2] * 255)};
        return paste(img, side, side, (side - w) / 2, (side - h) / 2, fill);
    }

    /** {@code img} pasted at (x0, y0) on a {@code w × h} canvas of colour {@code fill}. */
    static RgbImage paste(RgbImage img, int w, int h, int x0, int y0, int[] fill) {
        if ((long) w * h * 3 > Integer.MAX_VALUE - 8) throw new Mm1jException("[preprocess] " + w + "x" + h + " canvas is too large");
        byte[] out = new byte[w * h * 3];
        if (fill[0] != 0 || fill[1] != 0 || fill[2] != 0) {
            for (int i = 0; i < w * h; i++) {
                out[i * 3] = (byte) fill[0];
                out[i * 3 + 1] = (byte) fill[1];
                out[i * 3 + 2] = (byte) fill[2];
            }
        }
        byte[] in = img.rgb();
        for (int y = 0; y < img.height(); y++) System.arraycopy(in, y * img.width() * 3, out, ((y0 + y) * w + x0) * 3, img.width() * 3);
        return new RgbImage(w, h, out);
    }

    /** [N, 3, H, W] F32 host tensor of the rescaled, normalised views (all of one size). */
    public Tensor normalise(List<RgbImage> views) {
        int h = views.get(0).height(), w = views.get(0).width();
        Tensor t = Tensor.allocateHost(DType.F32, views.size(), 3, h, w);
        MemorySegment seg = t.data();
        float[] plane = new float[h * w];
        for (int n = 0; n < views.size(); n++) {
            RgbImage v = views.get(n);
            if (v.width() != w || v.height() != h) {
                t.close();
                throw new Mm1jException("[preprocess] view " + n + " is " + v.width() + "x" + v.height() + ", the first is " + w + "x" + h);
            }
            byte[] px = v.rgb();
            for (int ch = 0; ch < 3; ch++) {
                float[] l = lut[ch];
                for (int i = 0; i < plane.length; i++) plane[i] = l[px[i * 3 + ch] & 0xff];
                MemorySegment.copy(plane, 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED, ((long) n * 3 + ch) * plane.length * 4L, plane.length);
            }
        }
        return t;
    }
}

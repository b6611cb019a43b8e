package dev.mm1j.model.vision;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.json.JsonObject;
import java.util.Arrays;

/**
 * {@code image_preprocess} of config.json (spec §7): per-channel normalisation and the resize rule.
 * Only {@code resize: "squash"} (ignore the aspect ratio) and {@code resample: "bicubic"} (Pillow's filter) are
 * defined by the spec; anything else is an error naming the key.
 *
 * @param mean     {@code mean}: 3 values, subtracted after scaling to [0, 1]
 * @param std      {@code std}: 3 positive values, divided by after that
 * @param resize   {@code resize}
 * @param resample {@code resample}
 */
public record ImagePreprocessConfig(float[] mean, float[] std, String resize, String resample) {

    /** OpenAI CLIP's mean and std, the defaults. */
    public static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    public static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    public ImagePreprocessConfig {
        if (mean == null || mean.length != 3) throw new Mm1jException("image_preprocess.mean must hold 3 numbers, got " + Arrays.toString(mean));
        if (std == null || std.length != 3) throw new Mm1jException("image_preprocess.std must hold 3 numbers, got " + Arrays.toString(std));
        for (int c = 0; c < 3; c++) {
            if (!Float.isFinite(mean[c])) throw new Mm1jException("image_preprocess.mean " + Arrays.toString(mean) + " holds a non-finite value");
            if (!(std[c] > 0) || !Float.isFinite(std[c])) throw new Mm1jException("image_preprocess.std " + Arrays.toString(std) + " must be positive");
        }
        if (!"squash".equals(resize)) throw new Mm1jException("image_preprocess.resize '" + resize + "' is not supported (squash)");
        if (!"bicubic".equals(resample)) throw new Mm1jException("image_preprocess.resample '" + resample + "' is not supported (bicubic)");
        mean = mean.clone();
        std = std.clone();
    }

    public static ImagePreprocessConfig defaults() {
        return new ImagePreprocessConfig(CLIP_MEAN, CLIP_STD, "squash", "bicubic");
    }

    /** Reads the {@code image_preprocess} object (null: the defaults). */
    public static ImagePreprocessConfig fromJson(JsonObject o) {
        if (o == null) return defaults();
        return new ImagePreprocessConfig(floats(o, "mean", CLIP_MEAN), floats(o, "std", CLIP_STD),
            o.optString("resize", "squash"), o.optString("resample", "bicubic"));
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    /** The normalised value of 8-bit sample {@code v} of channel {@code c}: (v/255 − mean)/std in float, as numpy float32 does. */
    public float normalise(int c, int v) {
        return ((float) v / 255f - mean[c]) / std[c];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImagePreprocessConfig p && Arrays.equals(mean, p.mean) && Arrays.equals(std, p.std)
            && resize.equals(p.resize) && resample.equals(p.resample);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(mean) * 31 + Arrays.hashCode(std) * 17 + resize.hashCode() + resample.hashCode();
    }

    @Override
    public String toString() {
        return "ImagePreprocessConfig[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + ", resize=" + resize + ", resample=" + resample + "]";
    }

    private static float[] floats(JsonObject o, String key, float[] fallback) {
        if (!o.has(key)) return fallback;
        double[] d = o.getDoubles(key);
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }
}

package dev.mm1j.model.text;

/**
 * Rotary embedding frequencies (spec §6 step 3): {@code invFreq[j] = theta^(−2j/hd)} for j &lt; hd/2, then the
 * optional {@code rope_scaling}. Computed in F32 in the same order as Hugging Face
 * ({@code _compute_default_rope_parameters}, {@code _compute_llama3_parameters}), so that the angles
 * {@code pos · invFreq[j]} match PyTorch's.
 */
public final class Rope {
    private Rope() {}

    /** The inverse frequencies, length {@code head_dim / 2}. */
    public static float[] invFreq(TextConfig c) {
        int hd = c.headDim();
        float[] inv = new float[hd / 2];
        for (int j = 0; j < inv.length; j++) {
            // torch: 1.0 / (base ** (arange(0, hd, 2).float() / hd)), all in float32
            float exponent = (float) (2 * j) / (float) hd;
            inv[j] = 1.0f / (float) Math.pow(c.ropeTheta(), exponent);
        }
        float[] factors = c.ropeFreqFactors();
        if (factors != null) {
            for (int j = 0; j < inv.length; j++) inv[j] /= factors[j];
        }
        TextConfig.RopeScaling rs = c.ropeScaling();
        if (rs == null) return inv;
        if (rs.ropeType().equals("linear")) {
            for (int j = 0; j < inv.length; j++) inv[j] = inv[j] / (float) rs.factor();
            return inv;
        }
        // llama3 (Llama 3.1): keep high frequencies, divide low ones by factor, blend the band between
        float factor = (float) rs.factor(), lo = (float) rs.lowFreqFactor(), hi = (float) rs.highFreqFactor();
        float old = rs.originalMaxPositionEmbeddings();
        float loWavelen = old / lo, hiWavelen = old / hi;
        for (int j = 0; j < inv.length; j++) {
            float wavelen = (float) (2 * Math.PI) / inv[j];
            float scaled = wavelen > loWavelen ? inv[j] / factor : inv[j];
            boolean medium = !(wavelen < hiWavelen) && !(wavelen > loWavelen);
            if (medium) {
                float smooth = (old / wavelen - lo) / (hi - lo);
                scaled = (1 - smooth) * scaled / factor + smooth * scaled;
            }
            inv[j] = scaled;
        }
        return inv;
    }
}

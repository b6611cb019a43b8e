package dev.mm1j.model.vision;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.json.JsonObject;

/**
 * {@code connector_config} of config.json (spec §3, §5): Honeybee's C-Abstractor ({@code c-abstractor}) or
 * LLaVA-1.5's two-layer projector ({@code mlp}, which reads only {@code type}). Validated on construction.
 *
 * @param type           {@code type}: {@code c-abstractor} or {@code mlp}
 * @param hiddenSize     {@code hidden_size}, C: the width of the RegNet stages
 * @param depth          {@code depth}: bottleneck blocks per stage (0 = no stages)
 * @param mlpDepth       {@code mlp_depth}: linear layers in the readout
 * @param numImageTokens {@code num_image_tokens}: n² output tokens per image (a square)
 * @param posEmb         {@code pos_emb}: whether a position embedding is added to the features first
 * @param seRatio        {@code se_ratio}: squeeze-excitation width = round(block input channels · se_ratio)
 * @param layerNormEps   {@code layer_norm_eps} of the channel LayerNorms
 */
public record ConnectorConfig(String type, int hiddenSize, int depth, int mlpDepth, int numImageTokens,
                              boolean posEmb, double seRatio, double layerNormEps) {

    public static final String C_ABSTRACTOR = "c-abstractor";
    public static final String MLP = "mlp";

    public ConnectorConfig {
        if (!C_ABSTRACTOR.equals(type) && !MLP.equals(type)) {
            throw new Mm1jException("connector_config.type '" + type + "' is not supported (c-abstractor or mlp)");
        }
        if (C_ABSTRACTOR.equals(type)) {
            if (hiddenSize <= 0) throw new Mm1jException("connector_config.hidden_size " + hiddenSize + " must be positive");
            if (depth < 0) throw new Mm1jException("connector_config.depth " + depth + " must be >= 0");
            if (mlpDepth < 1) throw new Mm1jException("connector_config.mlp_depth " + mlpDepth + " must be >= 1");
            if (numImageTokens <= 0) throw new Mm1jException("connector_config.num_image_tokens " + numImageTokens + " must be positive");
            int n = side(numImageTokens);
            if (n * n != numImageTokens) throw new Mm1jException("connector_config.num_image_tokens " + numImageTokens + " is not a square");
            if (!(seRatio > 0) || !Double.isFinite(seRatio)) throw new Mm1jException("connector_config.se_ratio " + seRatio + " must be a positive number");
            if (!(layerNormEps > 0) || !Double.isFinite(layerNormEps)) throw new Mm1jException("connector_config.layer_norm_eps " + layerNormEps + " must be a positive number");
        }
    }

    /** Reads the {@code connector_config} object; absent keys take the values of the MM1 config (spec §3). */
    public static ConnectorConfig fromJson(JsonObject o) {
        return new ConnectorConfig(o.optString("type", C_ABSTRACTOR), o.optInt("hidden_size", 1024), o.optInt("depth", 3),
            o.optInt("mlp_depth", 2), o.optInt("num_image_tokens", 144), o.optBoolean("pos_emb", true),
            o.optDouble("se_ratio", 0.25), o.optDouble("layer_norm_eps", 1e-5));
    }

    /** MM1's C-Abstractor: hidden 1024, depth 3, mlp_depth 2, 144 tokens. */
    public static ConnectorConfig mm1() {
        return new ConnectorConfig(C_ABSTRACTOR, 1024, 3, 2, 144, true, 0.25, 1e-5);
    }

    public boolean isCAbstractor() {
        return C_ABSTRACTOR.equals(type);
    }

    /** n: the side of the pooled grid (C-Abstractor). */
    public int poolSide() {
        return side(numImageTokens);
    }

    /** Embeddings per image for patch grid g × g: n² for the C-Abstractor, g² for the mlp projector. */
    public int tokensPerImage(int g) {
        return isCAbstractor() ? numImageTokens : g * g;
    }

    /** Squeeze-excitation width of a block with {@code in} input channels: Python's round(in · se_ratio) (half to even). */
    public int seChannels(int in) {
        return (int) Math.rint(in * seRatio);
    }

    private static int side(int tokens) {
        return (int) Math.round(Math.sqrt(tokens));
    }
}

package dev.mm1j.model.vision;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.weights.Weights;

/**
 * Maps patch features of the vision encoder to embeddings in the language model's space (spec §5): the
 * C-Abstractor ({@link CAbstractor}) or LLaVA's mlp projector ({@link MlpProjector}).
 */
public interface Connector extends AutoCloseable {

    /**
     * Loads the connector {@code config.connector()} names from {@code root} (the checkpoint's top level:
     * {@value CAbstractor#PREFIX} or {@value MlpProjector#PREFIX}); {@code textHidden} is d, the language
     * model's {@code hidden_size}.
     */
    static Connector load(Weights root, VisionPipelineConfig config, long textHidden, Ops ops) {
        if (textHidden <= 0) throw new Mm1jException("text_config.hidden_size " + textHidden + " must be positive");
        return config.connector().isCAbstractor()
            ? CAbstractor.load(root, config.connector(), config.vision(), textHidden, ops)
            : MlpProjector.load(root, config.vision(), textHidden, ops);
    }

    /** Embeddings [N, tokens, d] of patch features [N, g², W] (g² a square); the caller closes the result. */
    default Tensor embeddings(Tensor features) {
        return embeddings(features, Probe.NONE);
    }

    /** {@link #embeddings(Tensor)}, handing the intermediates to {@code probe}. */
    Tensor embeddings(Tensor features, Probe probe);

    /** Embeddings per image for a g × g patch grid. */
    int tokensPerImage(int g);

    /** d: the width of each embedding. */
    long outputDim();

    @Override
    void close();

    /** g for features [N, g², W] of width {@code width}, or an error naming the shape. */
    static int gridOf(Tensor features, long width, String who) {
        long gg = features.rank() == 3 ? features.dim(1) : -1;
        long g = Math.round(Math.sqrt(Math.max(gg, 0)));
        if (features.rank() != 3 || features.dtype() != dev.mm1j.core.DType.F32 || g * g != gg || g < 1 || features.dim(2) != width || features.dim(0) < 1) {
            throw new Mm1jException("[" + who + "] features " + features + ": expected F32 [N, g², " + width + "] with g² a square");
        }
        return (int) g;
    }
}

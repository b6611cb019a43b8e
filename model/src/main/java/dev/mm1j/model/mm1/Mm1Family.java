package dev.mm1j.model.mm1;

import dev.mm1j.core.DType;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.format.Checkpoint;
import dev.mm1j.core.weights.Weights;
import dev.mm1j.model.ModelFamily;
import dev.mm1j.model.Network;
import dev.mm1j.model.text.TextConfig;
import dev.mm1j.model.text.TextModel;
import java.util.List;

/**
 * MM1 at the loading seam ({@code model_type} mm1, spec §2–§7): the vision tower and the connector
 * ({@link Mm1Model}) at the top level of the checkpoint, the decoder under {@code language_model.}. A checkpoint
 * without {@code vision_config} is MM1's decoder alone and loads as a text-only network.
 */
public final class Mm1Family implements ModelFamily {

    @Override
    public String name() {
        return "mm1";
    }

    @Override
    public List<String> modelTypes() {
        return List.of("mm1");
    }

    @Override
    public Network load(Checkpoint c, Ops ops, Mm1Options options) {
        Network n;
        if (!c.config().has("vision_config")) { // MM1's decoder alone (no image half): a text-only network
            TextModel m = TextModel.load(TextConfig.fromJson(c.config()), c.weights().prefix("language_model"), ops);
            n = new Network(m, null, m.describe());
        } else {
            n = build(Mm1Config.fromJson(c.config()), c.weights(), ops);
        }
        c.weights().finish();
        return n;
    }

    /**
     * A network of seeded random weights generated in memory ({@link RandomMm1Weights}: matmul weights in
     * {@code dtype}, e.g. Q8_0, written directly in that type), for benchmarks of the presets. Fails before
     * allocating when they would take more than {@code maxBytes}.
     */
    public static Network random(Mm1Config config, DType dtype, long seed, Ops ops, long maxBytes) {
        RandomMm1Weights src = new RandomMm1Weights(config, dtype, seed, maxBytes);
        Weights w = new Weights(src);
        try {
            Network n = build(config, w, ops);
            return new Network(n.text(), n.images(), n.description(), w, src);
        } catch (RuntimeException | Error e) {
            w.close();
            src.close();
            throw e;
        }
    }

    private static Network build(Mm1Config config, Weights root, Ops ops) {
        Mm1Model images = Mm1Model.load(config, root, ops);
        try {
            return new Network(TextModel.load(config.text(), root.prefix("language_model"), ops), images, config.describe());
        } catch (RuntimeException | Error e) {
            images.close();
            throw e;
        }
    }
}

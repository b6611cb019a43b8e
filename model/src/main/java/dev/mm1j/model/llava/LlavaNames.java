package dev.mm1j.model.llava;

import dev.mm1j.core.Tensor;
import dev.mm1j.core.format.ModelFormatException;
import dev.mm1j.core.weights.WeightSource;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A LLaVA checkpoint's tensors under one set of names, whichever generation of transformers wrote them. The model
 * reads the names transformers wrote before 4.52 (and the llava-hf checkpoints still carry):
 * <pre>
 * vision_tower.vision_model.*          the CLIP ViT            (new: model.vision_tower.vision_model.*)
 * multi_modal_projector.linear_{1,2}.* the projector           (new: model.multi_modal_projector.*)
 * language_model.model.*               the decoder             (new: model.language_model.*)
 * language_model.lm_head.weight        the output head         (new: lm_head.weight)
 * image_newline                        LLaVA-NeXT's row marker (new: model.image_newline)
 * </pre>
 * A file with names of both generations is refused, naming one of each. Other names pass through unchanged (and
 * show up as unused).
 */
final class LlavaNames implements WeightSource {
    private static final String[][] NEW_TO_LEGACY = {
        {"model.language_model.", "language_model.model."},
        {"lm_head.", "language_model.lm_head."},
        {"model.vision_tower.", "vision_tower."},
        {"model.multi_modal_projector.", "multi_modal_projector."},
        {"model.image_newline", "image_newline"},
    };

    private final WeightSource source;
    private final boolean ownsSource;
    private final Map<String, String> stored = new LinkedHashMap<>(); // legacy name -> name in the file
    private final boolean renamed;

    private LlavaNames(WeightSource source, boolean ownsSource) {
        this.source = source;
        this.ownsSource = ownsSource;
        String legacyExample = null, newExample = null;
        for (String n : source.names()) {
            if (n.startsWith("language_model.") || n.startsWith("vision_tower.") || n.startsWith("multi_modal_projector.") || n.equals("image_newline")) {
                legacyExample = n;
            } else if (n.startsWith("model.language_model.") || n.startsWith("model.vision_tower.") || n.startsWith("model.multi_modal_projector.")
                || n.equals("model.image_newline")) {
                newExample = n;
            }
        }
        if (legacyExample != null && newExample != null) {
            throw new ModelFormatException(source.describe() + ": tensor names of two transformers generations ('" + legacyExample + "' and '" + newExample
                + "'); a LLaVA checkpoint uses one");
        }
        renamed = newExample != null;
        for (String n : source.names()) {
            String legacy = renamed ? legacyName(n) : n;
            if (stored.putIfAbsent(legacy, n) != null) {
                throw new ModelFormatException(source.describe() + ": tensors '" + stored.get(legacy) + "' and '" + n + "' both read as '" + legacy + "'");
            }
        }
    }

    /** {@code source} under the legacy names; closing this closes {@code source}. */
    static WeightSource of(WeightSource source) {
        return new LlavaNames(source, true);
    }

    /** {@code source} under the legacy names, left open on close (its owner, e.g. a Checkpoint, closes it). */
    static WeightSource view(WeightSource source) {
        return new LlavaNames(source, false);
    }

    /** The legacy name of a name transformers ≥ 4.52 writes (others unchanged). */
    static String legacyName(String name) {
        for (String[] r : NEW_TO_LEGACY) {
            if (r[0].endsWith(".") ? name.startsWith(r[0]) : name.equals(r[0])) return r[1] + name.substring(r[0].length());
        }
        return name;
    }

    /** Whether the file uses the names of transformers ≥ 4.52. */
    boolean renamed() {
        return renamed;
    }

    @Override
    public Set<String> names() {
        return Collections.unmodifiableSet(stored.keySet());
    }

    @Override
    public Tensor tensor(String name) {
        String s = stored.get(name);
        return s == null ? null : source.tensor(s);
    }

    @Override
    public String describe() {
        return source.describe() + (renamed ? " (transformers >= 4.52 names, read as model.language_model.* -> language_model.model.*, lm_head -> language_model.lm_head, ...)" : "");
    }

    @Override
    public void close() {
        if (ownsSource) source.close();
    }
}

package dev.mm1j.model;

import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.format.Checkpoint;
import dev.mm1j.model.generation.ChatTemplate;
import dev.mm1j.model.mm1.Mm1Options;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * One family of checkpoints at the loading seam: which checkpoints it reads and how it builds their network.
 * {@link LoadedModel#open} asks each family found by {@link ServiceLoader} (listed in
 * {@code META-INF/services/dev.mm1j.model.ModelFamily}) and loads with the first that accepts; everything above
 * (the Java API, the CLI, the server, Spark) works on the {@link LoadedModel} and never asks which family it is.
 * Adding a family is one class implementing this interface and one line in that file.
 */
public interface ModelFamily {

    /** A short name for messages, e.g. {@code mm1}, {@code llama}. */
    String name();

    /** The {@code model_type}s (GGUF: architectures mapped to them) this family reads. */
    List<String> modelTypes();

    /** Whether this family reads {@code c} (by default: its {@code model_type}); {@code options} may name extra files. */
    default boolean accepts(Checkpoint c, Mm1Options options) {
        return modelTypes().contains(c.modelType());
    }

    /**
     * Builds the network from {@code c}'s weights ({@link Checkpoint#weights()}: strict names, quantize-on-load
     * already configured), computing on {@code ops}. Calls {@code c.weights().finish()} once every tensor is read.
     */
    Network load(Checkpoint c, Ops ops, Mm1Options options);

    /** The chat format when no {@code --template} is given: recognised from the checkpoint's template and type. */
    default ChatTemplate defaultTemplate(Checkpoint c, int vocabSize) {
        return ChatTemplate.detect(c.chatTemplate(), c.modelType(), vocabSize);
    }

    /** Every family on the class path, in service-file order. */
    static List<ModelFamily> all() {
        List<ModelFamily> out = new ArrayList<>();
        ServiceLoader.load(ModelFamily.class, ModelFamily.class.getClassLoader()).forEach(out::add);
        return out;
    }
}

package dev.mm1j.core.weights;

import dev.mm1j.core.Tensor;
import java.util.Set;

/**
 * A named collection of host tensors as stored in a checkpoint (safetensors files, a GGUF file mapped to
 * Hugging Face names, or tensors built in memory). Tensors are usually views of memory-mapped files.
 */
public interface WeightSource extends AutoCloseable {

    /** Every tensor name. */
    Set<String> names();

    /** The tensor called {@code name}, or null. */
    Tensor tensor(String name);

    /** Where the weights come from, for messages (e.g. a folder or a file). */
    String describe();

    /** Unmaps files and frees memory. Tensors obtained from this source are invalid afterwards. */
    @Override
    void close();
}

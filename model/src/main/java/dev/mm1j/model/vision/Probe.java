package dev.mm1j.model.vision;

import dev.mm1j.core.Tensor;

/**
 * Receives the intermediate tensors of a forward pass by stage name (e.g. {@code vision.layers.3},
 * {@code connector.net.1}), for golden tests and debugging. The tensor is a view of the run state, valid only
 * during the call: copy what you keep. {@link #NONE} costs nothing.
 */
@FunctionalInterface
public interface Probe {
    Probe NONE = (name, value) -> {};

    void record(String name, Tensor value);
}

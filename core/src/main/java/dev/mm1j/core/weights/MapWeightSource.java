package dev.mm1j.core.weights;

import dev.mm1j.core.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Weights held in memory by name (tests, random-weight presets). Closing closes every tensor. */
public final class MapWeightSource implements WeightSource {
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final String description;

    public MapWeightSource(String description) {
        this.description = description;
    }

    public MapWeightSource put(String name, Tensor t) {
        if (tensors.putIfAbsent(name, t) != null) throw new IllegalArgumentException("duplicate tensor name " + name);
        return this;
    }

    @Override
    public Set<String> names() {
        return Collections.unmodifiableSet(tensors.keySet());
    }

    @Override
    public Tensor tensor(String name) {
        return tensors.get(name);
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        tensors.values().forEach(Tensor::close);
        tensors.clear();
    }
}

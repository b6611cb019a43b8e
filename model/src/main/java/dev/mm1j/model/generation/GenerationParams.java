package dev.mm1j.model.generation;

import dev.mm1j.core.Mm1jException;
import java.util.List;

/**
 * What {@link Generator#generate} does: up to {@code maxNewTokens} tokens chosen by {@code sampling}, ending
 * early at any of {@code stopTokens} (not part of the output) or {@code stopStrings} (the text ends before it).
 */
public record GenerationParams(int maxNewTokens, SamplingParams sampling, int[] stopTokens, List<String> stopStrings) {
    public GenerationParams {
        if (maxNewTokens < 0) throw new Mm1jException("the maximum number of new tokens must be >= 0, got " + maxNewTokens);
        stopTokens = stopTokens.clone();
        stopStrings = List.copyOf(stopStrings);
        for (String s : stopStrings) if (s.isEmpty()) throw new Mm1jException("a stop string must not be empty");
    }

    @Override
    public int[] stopTokens() {
        return stopTokens.clone();
    }

    boolean isStopToken(int id) {
        for (int t : stopTokens) if (t == id) return true;
        return false;
    }
}

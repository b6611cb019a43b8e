package dev.mm1j.model.generation;

import dev.mm1j.core.Mm1jException;

/**
 * How the next token is chosen from the logits. Applied in Hugging Face's order: penalties on the raw
 * logits, then temperature, top-k, top-p, min-p, then a seeded draw. A temperature below
 * {@link #GREEDY_BELOW} (0 included) is greedy: argmax, ties to the lowest id, the filters irrelevant (dividing by a
 * tiny temperature would overflow to infinity and the softmax to NaN).
 *
 * @param temperature       below {@link #GREEDY_BELOW} (e.g. 0) = greedy; otherwise logits are divided by it
 * @param topK              keep the k most likely tokens (0 = all)
 * @param topP              keep the smallest set of most likely tokens whose probability reaches p (1 = all)
 * @param minP              drop tokens less likely than minP × the most likely one's probability (0 = none)
 * @param repetitionPenalty CTRL/HF penalty for tokens in the window: positive logits divided, negative
 *                          multiplied (1 = none)
 * @param presencePenalty   subtracted once from the logit of every token in the window (OpenAI's)
 * @param frequencyPenalty  subtracted per occurrence in the window (OpenAI's)
 * @param penaltyLastN      the window: the last N tokens of prompt and output (-1 = all, 0 = penalties off)
 * @param seed              the random draw's seed: the same seed gives the same output
 */
public record SamplingParams(float temperature, int topK, float topP, float minP, float repetitionPenalty,
                             float presencePenalty, float frequencyPenalty, int penaltyLastN, long seed) {
    /**
     * Temperatures below this are greedy. At this temperature the top token's probability is already 1 in float
     * arithmetic unless the two best logits are within about 1e-3 of each other (vLLM uses the same bound).
     */
    public static final float GREEDY_BELOW = 1e-5f;

    public SamplingParams {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) throw bad("temperature", temperature, "must be >= 0");
        if (topK < 0) throw bad("top-k", topK, "must be >= 0 (0 = off)");
        if (!(topP > 0 && topP <= 1)) throw bad("top-p", topP, "must be in (0, 1]");
        if (!(minP >= 0 && minP <= 1)) throw bad("min-p", minP, "must be in [0, 1]");
        if (!(repetitionPenalty > 0) || Float.isInfinite(repetitionPenalty)) throw bad("repeat-penalty", repetitionPenalty, "must be > 0 (1 = off)");
        if (!Float.isFinite(presencePenalty)) throw bad("presence-penalty", presencePenalty, "must be finite");
        if (!Float.isFinite(frequencyPenalty)) throw bad("frequency-penalty", frequencyPenalty, "must be finite");
        if (penaltyLastN < -1) throw bad("repeat-last-n", penaltyLastN, "must be >= -1 (-1 = all)");
    }

    /** llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no penalties, window 64. */
    public static SamplingParams defaults(long seed) {
        return new SamplingParams(0.8f, 40, 0.95f, 0.05f, 1f, 0f, 0f, 64, seed);
    }

    /** Argmax decoding. */
    public static SamplingParams greedy() {
        return new SamplingParams(0f, 0, 1f, 0f, 1f, 0f, 0f, 64, 0);
    }

    public boolean isGreedy() {
        return temperature < GREEDY_BELOW;
    }

    boolean hasPenalties() {
        return penaltyLastN != 0 && (repetitionPenalty != 1f || presencePenalty != 0f || frequencyPenalty != 0f);
    }

    private static Mm1jException bad(String name, double v, String why) {
        return new Mm1jException("sampling: " + name + "=" + v + " " + why);
    }
}

package dev.mm1j.model.generation;

/**
 * The outcome of {@link Generator#generate}.
 *
 * @param tokens       the generated ids (without the stop token that ended generation)
 * @param text         their visible text (empty without a {@link TextStream})
 * @param reason       why generation ended
 * @param promptTokens prompt length
 * @param reusedTokens prompt positions already in the KV cache and not recomputed
 * @param prefillNanos time to process the new prompt positions (up to the first token's logits)
 * @param decodeNanos  time of the decode steps after the first token
 * @param decodeSteps  number of decode steps (forward passes of one position)
 */
public record GenerationResult(int[] tokens, String text, StopReason reason, int promptTokens, int reusedTokens,
                               long prefillNanos, long decodeNanos, int decodeSteps) {

    public enum StopReason {
        /** A stop token (EOS, end of turn) was generated. */
        STOP_TOKEN,
        /** A stop string appeared in the text. */
        STOP_STRING,
        /** The maximum number of new tokens was reached. */
        MAX_TOKENS,
        /** The KV cache (the context) is full. */
        CONTEXT_FULL
    }

    /** Prompt positions processed per second (the ones not reused). */
    public double prefillTokensPerSecond() {
        return prefillNanos == 0 ? 0 : (promptTokens - reusedTokens) * 1e9 / prefillNanos;
    }

    /** Decode steps per second. */
    public double decodeTokensPerSecond() {
        return decodeNanos == 0 ? 0 : decodeSteps * 1e9 / decodeNanos;
    }
}

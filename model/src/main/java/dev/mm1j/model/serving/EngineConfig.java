package dev.mm1j.model.serving;

import dev.mm1j.core.Mm1jException;
import java.time.Duration;

/**
 * The engine's limits.
 *
 * @param context      KV-cache positions per sequence: prompt (images expanded) + generated tokens must fit
 * @param parallel     sequences decoded together at most (one KV cache each, allocated at start)
 * @param queue        requests waiting for a free sequence at most; more are refused ({@link EngineException.Kind#QUEUE_FULL})
 * @param prefillChunk prompt positions processed between two decode steps (images count their positions)
 * @param timeout      a request's limit from arrival to its last token
 * @param warmup       how long to run the model on dummy requests at start (0: not at all)
 */
public record EngineConfig(int context, int parallel, int queue, int prefillChunk, Duration timeout, Duration warmup) {
    public static final int DEFAULT_PARALLEL = 4;
    public static final int DEFAULT_QUEUE = 32;
    public static final int DEFAULT_PREFILL_CHUNK = 256;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
    public static final Duration DEFAULT_WARMUP = Duration.ofSeconds(3);

    public EngineConfig {
        if (context < 2) throw bad("ctx", context, "must be at least 2");
        if (parallel < 1 || parallel > 4096) throw bad("parallel", parallel, "must be in 1..4096");
        if (queue < 0) throw bad("queue", queue, "must be >= 0");
        if (prefillChunk < 1) throw bad("prefill-chunk", prefillChunk, "must be >= 1");
        if (timeout == null || timeout.isNegative() || timeout.isZero()) throw new Mm1jException("--timeout must be positive");
        if (warmup == null || warmup.isNegative()) throw new Mm1jException("--warmup must be >= 0");
    }

    /** The defaults for a context of {@code context} positions. */
    public static EngineConfig defaults(int context) {
        return new EngineConfig(context, DEFAULT_PARALLEL, DEFAULT_QUEUE, DEFAULT_PREFILL_CHUNK, DEFAULT_TIMEOUT, DEFAULT_WARMUP);
    }

    private static Mm1jException bad(String name, long v, String why) {
        return new Mm1jException("--" + name + "=" + v + " " + why);
    }
}

package dev.mm1j.app.cli;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.model.generation.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Sampling, stopping and chat-format options shared by {@code generate}, {@code chat} and {@code run}. */
final class GenerationOptions {
    static final String HELP = """
          -n N, --max-tokens N  most tokens to generate (default %d)
          --temp T          temperature (default 0.8; 0 = greedy)
          --top-k K         keep the K most likely tokens (default 40; 0 = off)
          --top-p P         nucleus sampling (default 0.95; 1 = off)
          --min-p P         drop tokens below P × the best one's probability (default 0.05; 0 = off)
          --repeat-penalty R  penalise tokens of the last --repeat-last-n (default 1 = off)
          --repeat-last-n N   penalty window (default 64; -1 = everything, 0 = off)
          --presence-penalty A, --frequency-penalty A  OpenAI-style penalties (default 0)
          --seed S          random seed (default: random, printed; the same seed gives the same output)
          --stop TEXT       stop before this text (repeatable)
          --ignore-eos      keep going past end-of-sequence tokens
          --system TEXT     system message
        """;

    final int maxTokens;
    final SamplingParams sampling;
    final List<String> stops;
    final boolean ignoreEos;
    final String system;

    private GenerationOptions(int maxTokens, SamplingParams sampling, List<String> stops, boolean ignoreEos, String system) {
        this.maxTokens = maxTokens;
        this.sampling = sampling;
        this.stops = stops;
        this.ignoreEos = ignoreEos;
        this.system = system;
    }

    static GenerationOptions read(Args a, int defaultMax) {
        return read(a, defaultMax, 0.8);
    }

    /** As above with another default temperature ({@code mm1j run}: 0, greedy). */
    static GenerationOptions read(Args a, int defaultMax, double defaultTemp) {
        int max = a.has("n") ? a.getInt("n", defaultMax) : a.getInt("max-tokens", defaultMax);
        if (max < 1) throw new CliException("--max-tokens must be at least 1, got " + max);
        long seed = a.has("seed") ? a.getLong("seed", 0) : System.nanoTime() & 0xffffffffL;
        SamplingParams s;
        try {
            s = new SamplingParams((float) a.getDouble("temp", defaultTemp), a.getInt("top-k", 40), (float) a.getDouble("top-p", 0.95),
                (float) a.getDouble("min-p", 0.05), (float) a.getDouble("repeat-penalty", 1.0), (float) a.getDouble("presence-penalty", 0),
                (float) a.getDouble("frequency-penalty", 0), a.getInt("repeat-last-n", 64), seed);
        } catch (Mm1jException e) {
            throw new CliException(e.getMessage());
        }
        List<String> stops = new ArrayList<>(a.all("stop"));
        for (String st : stops) if (st.isEmpty()) throw new CliException("--stop must not be empty");
        return new GenerationOptions(max, s, stops, a.flag("ignore-eos"), a.get("system", null));
    }

    static Set<String> switches() {
        return Set.of("ignore-eos");
    }

    /** The ids generation stops at: none with --ignore-eos, else {@code stops}. */
    int[] stopTokens(int[] stops) {
        return ignoreEos ? new int[0] : stops;
    }
}

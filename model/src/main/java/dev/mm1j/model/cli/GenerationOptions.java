package dev.mm1j.model.cli;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.model.generation.ChatTemplate;
import dev.mm1j.model.generation.SamplingParams;
import dev.mm1j.model.text.TextCheckpoint;
import dev.mm1j.model.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
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
          --template NAME   chat format: llama3, chatml, mistral, mm1, raw (default: from the checkpoint)
          --system TEXT     system message
        """;

    final int maxTokens;
    final SamplingParams sampling;
    final List<String> stops;
    final boolean ignoreEos;
    final String template;
    final String system;

    private GenerationOptions(int maxTokens, SamplingParams sampling, List<String> stops, boolean ignoreEos, String template, String system) {
        this.maxTokens = maxTokens;
        this.sampling = sampling;
        this.stops = stops;
        this.ignoreEos = ignoreEos;
        this.template = template;
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
        return new GenerationOptions(max, s, stops, a.flag("ignore-eos"), a.get("template", null), a.get("system", null));
    }

    static Set<String> switches() {
        return Set.of("ignore-eos");
    }

    /** The chat format: --template, else recognised from the checkpoint. */
    ChatTemplate chatTemplate(TextCheckpoint ckpt) {
        if (template != null) return ChatTemplate.byName(template);
        return ChatTemplate.detect(ckpt.chatTemplate(), ckpt.config().modelType(), ckpt.config().vocabSize());
    }

    /** The ids generation stops at: the config's and the tokenizer's EOS, the format's end-of-turn tokens. */
    int[] stopTokens(TextCheckpoint ckpt, Tokenizer tok, ChatTemplate t) {
        if (ignoreEos) return new int[0];
        Set<Integer> ids = new LinkedHashSet<>();
        for (int e : ckpt.config().eosTokenIds()) ids.add(e);
        if (tok != null) {
            if (tok.eosId() >= 0) ids.add(tok.eosId());
            if (t != null) {
                for (String s : t.endOfTurnTokens()) {
                    int id = tok.tokenId(s);
                    if (id >= 0) ids.add(id);
                }
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The tokenizer of the checkpoint (tokenizer.json in the folder or beside the GGUF file, else the GGUF vocabulary). */
    static Tokenizer tokenizer(TextCheckpoint ckpt) throws java.io.IOException {
        java.nio.file.Path f = ckpt.folder().resolve("tokenizer.json");
        if (!java.nio.file.Files.isRegularFile(f)) {
            if (ckpt.isGguf()) return Tokenizer.load(ckpt.path());
            throw new Mm1jException("no tokenizer.json in " + ckpt.folder() + "; or give the prompt as ids with --tokens");
        }
        return Tokenizer.load(f);
    }
}

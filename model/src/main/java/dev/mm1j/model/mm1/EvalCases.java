package dev.mm1j.model.mm1;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.json.Json;
import dev.mm1j.core.json.JsonObject;
import dev.mm1j.model.generation.GenerationResult;
import dev.mm1j.model.generation.SamplingParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An evaluation fixture, e.g. the demo model's ({@code models/mm1-demo/eval/cases.jsonl}, written by
 * tools/demo/eval.py): one JSON object per line with the case's {@code id}, {@code category}, {@code images} (files
 * relative to the fixture), the {@code prompt} text (MM1 plain format, without BOS) or, for any other model, the
 * {@code question} (asked through the model's chat format with the images before it), PyTorch's
 * {@code prompt_ids}, the {@code expected} answer, PyTorch's greedy {@code torch_answer} and {@code torch_ids}
 * (ending with EOS when it stopped there) and optionally {@code max_new} (default {@value #MAX_NEW}). {@link #run}
 * answers a case with the Java engine the way a user would (the question through the chat format, greedy, at most
 * {@code max_new} tokens) and compares. The LLaVA fixtures' eval.jsonl (tools/llava/chat_golden.py) use questions.
 */
public final class EvalCases {
    /** New tokens per answer, as in tools/demo/eval.py. */
    public static final int MAX_NEW = 48;
    private static final Pattern QUESTION = Pattern.compile("^Question: (.*)\\n((?:<image>)*)\\nAnswer:$", Pattern.DOTALL);

    private EvalCases() {}

    /** One case of the fixture. */
    public record Case(int id, String category, List<Path> images, String prompt, int[] promptIds, String expected,
                       String torchAnswer, int[] torchIds, String question, int maxNew) {
        /** A case in the MM1 plain format ({@code prompt}), answered with at most {@value #MAX_NEW} tokens. */
        public Case(int id, String category, List<Path> images, String prompt, int[] promptIds, String expected, String torchAnswer, int[] torchIds) {
            this(id, category, images, prompt, promptIds, expected, torchAnswer, torchIds, null, MAX_NEW);
        }
    }

    /** The Java engine's answer to a case. */
    public record Outcome(Case c, boolean promptIdsMatch, int[] ids, String answer, boolean exact, boolean agrees, boolean torchExact) {}

    /** Reads the fixture; errors name the line and the key. */
    public static List<Case> read(Path jsonl) throws IOException {
        if (!Files.isRegularFile(jsonl)) throw new Mm1jException("no evaluation fixture at " + jsonl + " (tools/demo/eval.py writes it)");
        Path dir = jsonl.toAbsolutePath().getParent();
        List<Case> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(jsonl);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            JsonObject o = JsonObject.of(Json.parse(lines.get(i)), jsonl.getFileName() + ":" + (i + 1));
            List<Path> images = new ArrayList<>();
            for (String f : o.getStrings("images")) images.add(dir.resolve(f));
            String prompt = o.has("question") ? o.optString("prompt", null) : o.getString("prompt");
            int maxNew = o.optInt("max_new", MAX_NEW);
            if (maxNew < 1) throw new Mm1jException(o.path() + ": max_new must be at least 1, got " + maxNew);
            out.add(new Case(o.getInt("id"), o.getString("category"), images, prompt, ints(o.getLongs("prompt_ids")),
                o.getString("expected"), o.getString("torch_answer"), ints(o.getLongs("torch_ids")), o.optString("question", null), maxNew));
        }
        if (out.isEmpty()) throw new Mm1jException(jsonl + " holds no cases");
        return out;
    }

    /** The case's question with its images, or the question of its MM1 prompt ({@code Question: Q\n<image>…\nAnswer:}), as the user would ask it. */
    public static Prompt prompt(Case c) {
        if (c.question() != null) return Prompt.of(c.question(), c.images().toArray(Path[]::new));
        Matcher m = QUESTION.matcher(c.prompt());
        if (!m.matches()) throw new Mm1jException("case " + c.id() + ": the prompt is not in the MM1 plain format: " + Json.write(c.prompt()));
        int images = m.group(2).length() / "<image>".length();
        if (images != c.images().size()) throw new Mm1jException("case " + c.id() + ": " + images + " <image> in the prompt but " + c.images().size() + " image files");
        return Prompt.of(m.group(1), c.images().toArray(Path[]::new));
    }

    /** Answers case {@code c} greedily and compares with the expected answer and with PyTorch. */
    public static Outcome run(Mm1 model, Case c) {
        Prompt p = prompt(c);
        boolean idsMatch = Arrays.equals(model.promptIds(p), c.promptIds());
        Mm1.Result r = model.generate(p, SamplingParams.greedy(), c.maxNew(), List.of(), null);
        boolean eos = r.reason() == GenerationResult.StopReason.STOP_TOKEN;
        int[] ids = Arrays.copyOf(r.tokens(), r.tokens().length + (eos ? 1 : 0));
        if (eos) ids[ids.length - 1] = model.tokenizer().eosId();
        // MM1's format puts one space before the answer (" four"); other formats' answers are compared stripped
        boolean exact = eos && (model.template() == dev.mm1j.model.generation.ChatTemplate.MM1 ? r.text().equals(" " + c.expected()) : r.text().strip().equals(c.expected()));
        int[] t = c.torchIds();
        boolean torchExact = t.length > 0 && t[t.length - 1] == model.tokenizer().eosId() && c.torchAnswer().equals(c.expected());
        return new Outcome(c, idsMatch, ids, r.text().strip(), exact, Arrays.equals(ids, t), torchExact);
    }

    /** Per category (and "overall"): cases, Java exact, PyTorch exact, agreement with PyTorch's ids, prompt-id matches. */
    public static Map<String, int[]> tally(List<Outcome> outcomes) {
        Map<String, int[]> t = new LinkedHashMap<>();
        for (Outcome o : outcomes) {
            for (String k : List.of(o.c().category(), "overall")) {
                int[] a = t.computeIfAbsent(k, x -> new int[5]);
                a[0]++;
                if (o.exact()) a[1]++;
                if (o.torchExact()) a[2]++;
                if (o.agrees()) a[3]++;
                if (o.promptIdsMatch()) a[4]++;
            }
        }
        int[] overall = t.remove("overall");
        if (overall != null) t.put("overall", overall);
        return t;
    }

    private static int[] ints(long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Math.toIntExact(v[i]);
        return out;
    }
}

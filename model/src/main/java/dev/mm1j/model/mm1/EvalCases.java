package dev.mm1j.model.mm1;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.json.Json;
import dev.mm1j.core.json.JsonObject;
import dev.mm1j.model.generation.ChatMessage;
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
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo model's evaluation fixture ({@code models/mm1-demo/eval/cases.jsonl}, written by tools/demo/eval.py):
 * one JSON object per line with the case's {@code id}, {@code category}, {@code images} (PNG files beside the
 * fixture, in {@code <image>} order), the {@code prompt} text (MM1 chat format, without BOS), PyTorch's
 * {@code prompt_ids}, the {@code expected} answer, and PyTorch's greedy {@code torch_answer} and {@code torch_ids}
 * (ending with EOS when it stopped there). Newer fixtures add the conversation itself, {@code messages}
 * ({@code role}, {@code content}, {@code images}: a question with its images, earlier answers, follow-up questions),
 * and labels to report by: {@code section} ("main", "variants"), {@code variant} (the phrasing variant) and
 * {@code canvas} ("square", "wide", "tall", "mixed", "none"). {@link #run} answers a case with the Java engine the way a
 * user would (the conversation through the chat format, greedy, at most {@value #MAX_NEW} tokens, or the case's
 * {@code max_new}) and compares. Fixtures of other models (the LLaVA fixtures' eval.jsonl, written by
 * tools/llava/chat_golden.py) give {@code messages} and no {@code prompt}; their answers are compared stripped (MM1's
 * format keeps its leading space).
 */
public final class EvalCases {
    /** New tokens per answer, as in tools/demo/eval.py. */
    public static final int MAX_NEW = 64;
    private static final Pattern QUESTION = Pattern.compile("^Question: (.*)\\n((?:<image>)*)\\nAnswer:$", Pattern.DOTALL);

    private EvalCases() {}

    /**
     * One case of the fixture; {@code messages} is null in fixtures without it (the prompt's single question is
     * used), {@code section}, {@code variant} and {@code canvas} are "" there.
     */
    public record Case(int id, String category, List<Path> images, String prompt, int[] promptIds, String expected,
                       String torchAnswer, int[] torchIds, List<ChatMessage> messages, String section, String variant, String canvas, int maxNew) {}

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
            List<ChatMessage> messages = null;
            if (o.has("messages")) {
                messages = new ArrayList<>();
                for (JsonObject m : o.getObjects("messages")) {
                    try {
                        messages.add(new ChatMessage(m.getString("role"), m.getString("content"), m.optInt("images", 0)));
                    } catch (IllegalArgumentException e) {
                        throw new Mm1jException(m.path() + ": " + e.getMessage());
                    }
                }
            }
            int maxNew = o.optInt("max_new", MAX_NEW);
            if (maxNew < 1) throw new Mm1jException(o.path() + ": max_new must be at least 1, got " + maxNew);
            out.add(new Case(o.getInt("id"), o.getString("category"), images, messages != null ? o.optString("prompt", null) : o.getString("prompt"),
                ints(o.getLongs("prompt_ids")), o.getString("expected"), o.getString("torch_answer"), ints(o.getLongs("torch_ids")), messages,
                o.optString("section", ""), o.optString("variant", ""), o.optString("canvas", ""), maxNew));
        }
        if (out.isEmpty()) throw new Mm1jException(jsonl + " holds no cases");
        return out;
    }

    /**
     * The case as the user would ask it: its conversation (images with the message that sent them, earlier answers,
     * the last question), or, in fixtures without messages, the question of its prompt
     * ({@code Question: Q\n<image>…\nAnswer:}).
     */
    public static Prompt prompt(Case c) {
        if (c.messages() != null) return conversation(c);
        Matcher m = QUESTION.matcher(c.prompt());
        if (!m.matches()) throw new Mm1jException("case " + c.id() + ": the prompt is not in the MM1 plain format: " + Json.write(c.prompt()));
        int images = m.group(2).length() / "<image>".length();
        if (images != c.images().size()) throw new Mm1jException("case " + c.id() + ": " + images + " <image> in the prompt but " + c.images().size() + " image files");
        return Prompt.of(m.group(1), c.images().toArray(Path[]::new));
    }

    private static Prompt conversation(Case c) {
        Prompt.Builder b = Prompt.builder();
        int next = 0;
        for (ChatMessage m : c.messages()) {
            switch (m.role()) {
                case "system" -> b.system(m.content());
                case "assistant" -> b.answer(m.content());
                default -> {
                    if (next + m.images() > c.images().size()) {
                        throw new Mm1jException("case " + c.id() + ": the messages send more images than the " + c.images().size() + " image files");
                    }
                    for (int k = 0; k < m.images(); k++) b.image(c.images().get(next++));
                    b.question(m.content());
                }
            }
        }
        if (next != c.images().size()) throw new Mm1jException("case " + c.id() + ": " + next + " images in the messages but " + c.images().size() + " image files");
        return b.build();
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
        return tally(outcomes, Case::category);
    }

    /**
     * As {@link #tally(List)}, grouped by {@code key}; cases whose key is null or empty are left out (also of
     * "overall"). Groups sorted by name, "overall" last.
     */
    public static Map<String, int[]> tally(List<Outcome> outcomes, Function<Case, String> key) {
        Map<String, int[]> t = new java.util.TreeMap<>();
        for (Outcome o : outcomes) {
            String group = key.apply(o.c());
            if (group == null || group.isEmpty()) continue;
            for (String k : List.of(group, "overall")) {
                int[] a = t.computeIfAbsent(k, x -> new int[5]);
                a[0]++;
                if (o.exact()) a[1]++;
                if (o.torchExact()) a[2]++;
                if (o.agrees()) a[3]++;
                if (o.promptIdsMatch()) a[4]++;
            }
        }
        int[] overall = t.remove("overall");
        Map<String, int[]> out = new LinkedHashMap<>(t);
        if (overall != null) out.put("overall", overall);
        return out;
    }

    private static int[] ints(long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Math.toIntExact(v[i]);
        return out;
    }
}

package dev.mm1j.app.cli;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.format.Progress;
import dev.mm1j.core.json.Json;
import dev.mm1j.model.generation.SamplingParams;
import dev.mm1j.model.mm1.Mm1;
import dev.mm1j.model.mm1.Prompt;
import dev.mm1j.model.vision.ImageDecoder;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code mm1j run}: asks a model (by default the demo model shipped in models/mm1-demo) a question about some
 * images and streams the answer; a summary line on stderr gives the image-encoding time and the prompt and
 * generation speeds. {@code --json} prints one JSON object instead.
 */
final class RunCommand implements Command, Main.SwitchAware {
    /** An image named inside the prompt: {@code <image:PATH>}. */
    static final Pattern INLINE = Pattern.compile("<image:([^>]+)>");

    @Override
    public String name() {
        return "run";
    }

    @Override
    public String summary() {
        return "ask a question about images and stream the answer (default: the demo model)";
    }

    @Override
    public String usage() {
        return """
            usage: mm1j run [--image FILE ...] [options] "QUESTION"

            Answers QUESTION about the images with the model (default: the demo model in models/mm1-demo), streaming
            the answer to stdout; a summary line on stderr gives the image-encoding time and the prompt and
            generation speeds. Example:
              mm1j run --image examples/shapes1.png "What colour is the star?"

            Images: --image FILE (repeatable), or inline in the question as <image:FILE>, e.g.
              mm1j run "<image:examples/shapes1.png><image:examples/shapes2.png> Which image has more shapes?"
            --image files come first, then inline ones in the order they appear. With the MM1 chat format all of a
            question's images go right after it, as the model was trained (<s>Question: Q\\n<image>...\\nAnswer:).
            PNG, JPEG, BMP and GIF are read.

            options:
              --model PATH      checkpoint folder or .gguf file (default: the demo model, models/mm1-demo)
              --json            print one JSON object (answer, tokens, timings) instead of streaming text
              --shot "IMG[,IMG]|QUESTION|ANSWER"  a solved example before the question (few-shot; repeatable)
              --raw             use the prompt text as is, without the chat format: each <image> takes the next
                                --image file, each <image:FILE> its file (interleave images and text freely)
              --template NAME   a built-in chat format: llama3, chatml, mistral, vicuna, mm1, raw (default: the checkpoint's own)
            """ + GenerationOptions.HELP.formatted(256)
                .replace("temperature (default 0.8; 0 = greedy)", "temperature (default 0: greedy, the demo model's exact answers)") + """
              --max-pixels N    refuse images whose header declares more pixels (default %d)
              --kv-type T       KV-cache storage: f32, f16, bf16 or auto (default: f32 up to 256 MiB, else f16)
              --ctx N, -c N     context length (default: the model's max_position_embeddings, at most 4096)
            """.formatted(ImageDecoder.DEFAULT_MAX_PIXELS) + ModelOptions.HELP.replaceFirst("  --model PATH[^\n]*\n", "");
    }

    @Override
    public Set<String> switches() {
        Set<String> s = new java.util.HashSet<>(GenerationOptions.switches());
        s.add("json");
        s.add("raw");
        return s;
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        boolean json = args.flag("json"), raw = args.flag("raw");
        List<String> imageFiles = args.all("image");
        List<String> shots = args.all("shot");
        GenerationOptions go = GenerationOptions.read(args, 256, 0);
        String system = go.system;
        SamplingParams sampling = go.sampling;
        boolean seeded = args.has("seed");
        List<String> stops = go.stops;
        ModelOptions mo = ModelOptions.read(args, "auto");
        args.checkUnknown();
        if (args.positional().isEmpty()) throw new CliException("missing the question, e.g. mm1j run --image examples/shapes1.png \"What colour is the star?\"");
        String question = String.join(" ", args.positional());
        if (raw && (!shots.isEmpty() || system != null)) throw new CliException("--raw takes the whole prompt as text: no --shot or --system");
        Prompt prompt = raw ? rawPrompt(question, imageFiles) : prompt(question, imageFiles, shots, system);
        Path model = mo.modelOrDefault();

        long t0 = System.nanoTime();
        if (Progress.enabled() && !json) err.print("mm1j run: loading " + model + " ...\r");
        try (Mm1 m = Mm1.load(model, mo.options.log(line -> err.println("mm1j run: " + line)))) {
            double loadMs = (System.nanoTime() - t0) / 1e6;
            if (Progress.enabled() && !json) err.print(" ".repeat(Math.min(120, 28 + model.toString().length())) + "\r");
            boolean[] started = {false};
            Mm1.Result r = m.generate(prompt, sampling, go.maxTokens, stops, go.ignoreEos, json ? null : piece -> {
                if (!started[0]) piece = piece.stripLeading(); // answers start with a space (" red")
                started[0] |= !piece.isEmpty();
                out.print(piece);
                out.flush();
            });
            if (json) {
                out.println(Json.write(toJson(r, m, loadMs, sampling, seeded)));
            } else {
                out.println();
                err.println("mm1j run: " + r.summary() + (sampling.isGreedy() ? "" : "; seed " + sampling.seed())
                    + String.format(Locale.ROOT, "; loaded in %.0f ms", loadMs));
            }
        }
        return 0;
    }

    /** The question with its images: --image files, then inline {@code <image:FILE>} markers (removed from the text). */
    static Prompt prompt(String question, List<String> imageFiles, List<String> shots, String system) {
        Prompt.Builder b = Prompt.builder();
        if (system != null) b.system(system);
        for (String shot : shots) {
            String[] parts = shot.split("\\|", -1);
            if (parts.length != 3 || parts[1].isBlank() || parts[2].isBlank()) {
                throw new CliException("--shot '" + shot + "': expected IMAGES|QUESTION|ANSWER (images comma-separated, may be empty)");
            }
            for (String f : parts[0].split(",")) if (!f.isBlank()) b.image(Path.of(f.trim()));
            b.question(parts[1].trim()).answer(parts[2].trim());
        }
        for (String f : imageFiles) b.image(Path.of(f));
        Matcher m = INLINE.matcher(question);
        while (m.find()) b.image(Path.of(m.group(1).trim()));
        String text = INLINE.matcher(question).replaceAll(" ").replaceAll("\\s+", " ").strip();
        if (text.isEmpty()) throw new CliException("the question is empty (only images were given)");
        return b.question(text).build();
    }

    /** The text as is: {@code <image>} takes the next --image file, {@code <image:FILE>} its file, in order of appearance. */
    static Prompt rawPrompt(String text, List<String> imageFiles) {
        Matcher m = Pattern.compile("<image(?::([^>]+))?>").matcher(text);
        List<Prompt.Image> images = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        int next = 0;
        while (m.find()) {
            if (m.group(1) != null) {
                images.add(Prompt.Image.of(Path.of(m.group(1).trim())));
            } else {
                if (next >= imageFiles.size()) throw new CliException("the prompt has more <image> tokens than --image files (" + imageFiles.size() + ")");
                images.add(Prompt.Image.of(Path.of(imageFiles.get(next++))));
            }
            m.appendReplacement(sb, "<image>");
        }
        m.appendTail(sb);
        if (next < imageFiles.size()) throw new CliException((imageFiles.size() - next) + " --image file(s) left over: with --raw, put one <image> in the prompt per --image");
        return Prompt.raw(sb.toString().replace("\\n", "\n"), images);
    }

    private static Map<String, Object> toJson(Mm1.Result r, Mm1 m, double loadMs, SamplingParams s, boolean seeded) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("answer", r.text().strip());
        o.put("text", r.text());
        List<Object> ids = new ArrayList<>();
        for (int id : r.tokens()) ids.add((long) id);
        o.put("tokens", ids);
        o.put("stop_reason", r.reason().name().toLowerCase(Locale.ROOT));
        o.put("images", (long) r.images());
        o.put("encoded_images", (long) r.encodedImages());
        o.put("prompt_tokens", (long) r.promptPositions());
        o.put("generated_tokens", (long) r.tokens().length);
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("load_ms", round(loadMs));
        t.put("image_encode_ms", round(r.imageNanos() / 1e6));
        t.put("prompt_ms", round(r.prefillNanos() / 1e6));
        t.put("generation_ms", round(r.decodeNanos() / 1e6));
        t.put("prompt_tokens_per_s", round(r.promptTokensPerSecond()));
        t.put("generation_tokens_per_s", round(r.generationTokensPerSecond()));
        o.put("timings", t);
        if (!s.isGreedy() || seeded) o.put("seed", s.seed());
        o.put("model", m.describe());
        return o;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}

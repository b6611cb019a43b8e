package dev.mm1j.app.server;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.model.ChatFormat;
import dev.mm1j.model.ImageEncoder;
import dev.mm1j.model.ImageSplice;
import dev.mm1j.model.LoadedModel;
import dev.mm1j.model.generation.ChatMessage;
import dev.mm1j.model.generation.SamplingParams;
import dev.mm1j.model.serving.Request;
import dev.mm1j.model.tokenizer.Tokenizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Turns the JSON of {@code /v1/chat/completions} and {@code /v1/completions} into a {@link Request}: the
 * messages rendered in the model's chat format (text and {@code image_url} parts in their order, in any user turn:
 * the format places the images, and a format that places fewer than were sent is a 400), tokenized with the special tokens written in the text left as text (unless {@code --parse-special}), the
 * images decoded and preprocessed, the sampling options checked, the length checked against the context. Every
 * problem is a 4xx {@link ApiException} naming the field. Runs on the HTTP threads, inside the bounded preparing
 * section of {@link Admission}.
 */
final class Requests {
    /** A parsed request: what to generate and how to answer. */
    record Parsed(Request gen, boolean stream, boolean includeUsage) {}

    static final int MAX_STOPS = 16;
    static final int MAX_STOP_CHARS = 1000;

    private final ChatFormat chat;
    private final int vocab;
    private final ServerConfig config;
    private final ImageEncoder encoder; // null: the model takes no images
    private final ImageInputs images;   // null: the model takes no images

    Requests(LoadedModel model, ServerConfig config) throws IOException {
        this.chat = model.chat();
        this.vocab = model.text().config().vocabSize();
        this.config = config;
        this.encoder = model.images();
        this.images = encoder == null ? null : new ImageInputs(encoder, config.maxImagePixels(), config.localFiles(), config.maxBodyBytes());
    }

    // ================================================================== chat

    Parsed chat(JsonFields body, String id) {
        checkModel(body);
        List<Object> raw = body.list("messages");
        if (raw == null) throw body.missing("messages");
        if (raw.isEmpty()) throw ApiException.badRequest("messages", "'messages' must hold at least one message");
        List<ChatMessage> messages = new ArrayList<>();
        List<String> imageUrls = new ArrayList<>();
        List<String> imageParams = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            JsonFields m = JsonFields.of(raw.get(i), "messages[" + i + "]");
            String role = m.requireString("role");
            if (role.equals("developer")) role = "system";
            if (!role.equals("system") && !role.equals("user") && !role.equals("assistant")) {
                throw ApiException.badRequest(m.name("role"), "'" + m.name("role") + "' must be system, developer, user or assistant, got '"
                    + JsonFields.cut(role) + "'" + (role.equals("tool") || role.equals("function") ? " (tools are not supported)" : ""));
            }
            if (m.has("tool_calls") || m.has("function_call")) throw ApiException.badRequest(m.name("tool_calls"), "tool calls are not supported");
            int before = imageUrls.size();
            List<ChatMessage.Part> parts = content(m, imageUrls, imageParams);
            int imgs = imageUrls.size() - before;
            if (imgs > 0 && !role.equals("user")) {
                throw ApiException.badRequest(m.name("content"), "'" + m.name("content") + "': images can only be sent in user messages");
            }
            messages.add(ChatMessage.of(role, parts));
        }
        GenOptions opt = options(body);
        if (imageUrls.size() > config.maxImages()) {
            throw ApiException.badRequest("messages", "the request has " + imageUrls.size() + " images; this server accepts at most " + config.maxImages() + " per request");
        }
        if (!imageUrls.isEmpty() && images == null) {
            throw ApiException.badRequest(imageParams.getFirst(), "this model (" + config.modelName() + ") takes no images: send text only");
        }
        int[] ids;
        try {
            ids = chat.promptIds(messages, config.parseSpecial());
        } catch (Mm1jException e) { // the checkpoint's template refused the conversation (e.g. roles not alternating), or cannot keep typed special tokens as text
            throw ApiException.badRequest("messages", e.getMessage());
        }
        checkImageTokens(ids, imageUrls.size(), "messages");
        if (encoder == null) {
            return new Parsed(new Request(id, ids, List.of(), maxTokens(ids.length, opt), opt.sampling, opt.stops, opt.ignoreEos, chat.spaceBeforeAnswer(),
                config.timeout().toNanos()), opt.stream, opt.includeUsage);
        }
        List<ImageEncoder.Input> inputs = prepareImages(imageUrls, imageParams);
        try {
            int[] rows = new int[inputs.size()];
            for (int i = 0; i < rows.length; i++) rows[i] = inputs.get(i).rows();
            int[] expanded = ImageSplice.expand(ids, encoder.imageTokenId(), rows);
            return new Parsed(new Request(id, expanded, inputs, maxTokens(expanded.length, opt), opt.sampling, opt.stops, opt.ignoreEos,
                chat.spaceBeforeAnswer(), config.timeout().toNanos()), opt.stream, opt.includeUsage);
        } catch (RuntimeException e) {
            inputs.forEach(ImageEncoder.Input::close);
            throw e;
        }
    }

    /**
     * A message's content (a string or an array of parts) as text and image parts in their order, which the chat
     * format places (an image in any user turn, where the format puts it); image parts add their URL to {@code urls}.
     */
    private static List<ChatMessage.Part> content(JsonFields m, List<String> urls, List<String> params) {
        Object c = m.raw("content");
        if (c == null) throw m.missing("content");
        if (c instanceof String s) return List.of(new ChatMessage.Text(s));
        if (!(c instanceof List<?>)) throw m.wrongType("content", "a string or an array of content parts", c);
        List<Object> parts = m.list("content");
        List<ChatMessage.Part> out = new ArrayList<>();
        for (int j = 0; j < parts.size(); j++) {
            JsonFields p = JsonFields.of(parts.get(j), m.name("content") + "[" + j + "]");
            String type = p.requireString("type");
            switch (type) {
                case "text" -> out.add(new ChatMessage.Text(p.requireString("text")));
                case "image_url" -> {
                    Object iu = p.raw("image_url");
                    String url;
                    if (iu instanceof String s) url = s;
                    else if (iu == null) throw p.missing("image_url");
                    else url = p.object("image_url").requireString("url");
                    urls.add(url);
                    params.add(p.name("image_url"));
                    out.add(ChatMessage.IMAGE);
                }
                default -> throw ApiException.badRequest(p.name("type"), "'" + p.name("type") + "' must be 'text' or 'image_url', got '" + JsonFields.cut(type) + "'"
                    + (type.equals("input_audio") || type.equals("file") ? " (not supported)" : ""));
            }
        }
        return out;
    }

    private List<ImageEncoder.Input> prepareImages(List<String> urls, List<String> params) {
        List<ImageEncoder.Input> out = new ArrayList<>();
        try {
            for (int i = 0; i < urls.size(); i++) out.add(images.prepare(urls.get(i), params.get(i)));
            return out;
        } catch (RuntimeException e) {
            out.forEach(ImageEncoder.Input::close);
            throw e;
        }
    }

    /**
     * The prompt must hold exactly one image id per image: the chat format places one per image, and text cannot
     * add any (special tokens written in text stay text unless --parse-special).
     */
    private void checkImageTokens(int[] ids, int images, String param) {
        if (encoder == null) return;
        int img = encoder.imageTokenId();
        int found = 0;
        for (int id : ids) if (id == img) found++;
        if (found > images) {
            String marker = chat.tokenizer().token(img); // null where the vocabulary has no image token (a GGUF pair)
            throw ApiException.badRequest(param, "the text holds the image placeholder '" + (marker != null ? marker : dev.mm1j.model.generation.ChatTemplate.IMAGE_MARKER) + "' " + (found - images)
                + " time(s) more than the request has images; images are given as image_url parts, not as text");
        }
        if (found < images) {
            throw ApiException.badRequest(param, "the request has " + images + " image(s) but the chat format '" + chat.template().name().toLowerCase(java.util.Locale.ROOT)
                + "' placed " + found + " image placeholder(s) in the prompt: this format cannot show images to the model (serve it with its own format, e.g. --template mm1)");
        }
    }

    // ================================================================== completions

    Parsed completion(JsonFields body, String id) {
        checkModel(body);
        for (String k : List.of("suffix", "best_of")) {
            if (body.has(k) && !(k.equals("best_of") && body.integer(k, 1) == 1)) throw ApiException.badRequest(k, "'" + k + "' is not supported");
        }
        if (body.bool("echo", false)) throw ApiException.badRequest("echo", "'echo' is not supported");
        Object p = body.raw("prompt");
        if (p == null) throw body.missing("prompt");
        Tokenizer tok = chat.tokenizer();
        boolean special = config.parseSpecial();
        int[] ids;
        if (p instanceof String s) {
            ids = special ? tok.encode(s, true) : tok.encodeLiteral(s, true);
        } else if (p instanceof List<?> l && l.size() == 1 && l.getFirst() instanceof String s) {
            ids = special ? tok.encode(s, true) : tok.encodeLiteral(s, true);
        } else if (p instanceof List<?> l && !l.isEmpty() && l.stream().allMatch(o -> o instanceof Long)) {
            ids = new int[l.size()];
            for (int i = 0; i < ids.length; i++) {
                long v = (Long) l.get(i);
                if (v < 0 || v >= vocab) throw ApiException.badRequest("prompt", "token id " + v + " (prompt[" + i + "]) is outside the vocabulary [0, " + vocab + ")");
                ids[i] = (int) v;
            }
        } else if (p instanceof List<?> l && l.size() > 1) {
            throw ApiException.badRequest("prompt", "'prompt' must be one string or one list of token ids (batched prompts are not supported: send one request each)");
        } else {
            throw ApiException.badRequest("prompt", "'prompt' must be a string or an array of token ids, got " + JsonFields.kind(p));
        }
        if (ids.length == 0) throw ApiException.badRequest("prompt", "the prompt is empty");
        checkImageTokens(ids, 0, "prompt");
        GenOptions opt = options(body);
        int max = maxTokens(ids.length, opt);
        return new Parsed(new Request(id, ids, List.of(), max, opt.sampling, opt.stops, opt.ignoreEos, false, config.timeout().toNanos()),
            opt.stream, opt.includeUsage);
    }

    // ================================================================== shared options

    private record GenOptions(Integer maxTokens, SamplingParams sampling, List<String> stops, boolean ignoreEos, boolean stream, boolean includeUsage) {}

    private void checkModel(JsonFields body) {
        String m = body.string("model", null);
        if (m != null && !m.equals(config.modelName())) throw ApiException.modelNotFound(JsonFields.cut(m), config.modelName());
    }

    private GenOptions options(JsonFields b) {
        if (b.has("n") && b.integer("n", 1) != 1) throw ApiException.badRequest("n", "only n = 1 is supported, got " + b.raw("n"));
        if (b.bool("logprobs", false) || (b.raw("logprobs") instanceof Number)) throw ApiException.badRequest("logprobs", "logprobs are not supported");
        if (b.has("top_logprobs")) throw ApiException.badRequest("top_logprobs", "logprobs are not supported");
        List<Object> tools = b.list("tools");
        if (tools != null && !tools.isEmpty()) throw ApiException.badRequest("tools", "tools are not supported");
        if (b.has("functions")) throw ApiException.badRequest("functions", "functions are not supported");
        JsonFields rf = b.object("response_format");
        if (rf != null && !rf.string("type", "text").equals("text")) throw ApiException.badRequest("response_format", "only response_format type 'text' is supported");
        Integer max = null;
        for (String k : List.of("max_completion_tokens", "max_tokens")) {
            if (b.has(k)) max = b.integer(k, 0, 1, Integer.MAX_VALUE);
        }
        float temperature = (float) b.number("temperature", 1.0, 0, 2);
        float topP = (float) b.number("top_p", 1.0, 0, 1);
        if (topP == 0) topP = Float.MIN_VALUE; // only the most likely token: OpenAI allows 0
        int topK = b.integer("top_k", 0, -1, Integer.MAX_VALUE);
        float minP = (float) b.number("min_p", 0, 0, 1);
        float presence = (float) b.number("presence_penalty", 0, -2, 2);
        float frequency = (float) b.number("frequency_penalty", 0, -2, 2);
        long seed = b.has("seed") ? b.integer("seed", 0) : ThreadLocalRandom.current().nextLong();
        // OpenAI's penalties count the generated tokens only: the window is the whole output, the prompt is not added
        SamplingParams sp = new SamplingParams(temperature, Math.max(topK, 0), topP, minP, 1f, presence, frequency, -1, seed);
        List<String> stops = stops(b);
        boolean stream = b.bool("stream", false);
        JsonFields so = b.object("stream_options");
        if (so != null && !stream) throw ApiException.badRequest("stream_options", "'stream_options' is only allowed with \"stream\": true");
        boolean usage = so != null && so.bool("include_usage", false);
        return new GenOptions(max, sp, stops, b.bool("ignore_eos", false), stream, usage);
    }

    private static List<String> stops(JsonFields b) {
        Object s = b.raw("stop");
        List<String> out = new ArrayList<>();
        if (s == null) return out;
        if (s instanceof String str) {
            out.add(str);
        } else if (s instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                if (!(l.get(i) instanceof String str)) throw ApiException.badRequest("stop", "'stop[" + i + "]' must be a string, got " + JsonFields.kind(l.get(i)));
                out.add(str);
            }
        } else {
            throw b.wrongType("stop", "a string or an array of strings", s);
        }
        if (out.size() > MAX_STOPS) throw ApiException.badRequest("stop", "at most " + MAX_STOPS + " stop strings are accepted, got " + out.size());
        for (String str : out) {
            if (str.isEmpty()) throw ApiException.badRequest("stop", "stop strings must not be empty");
            if (str.length() > MAX_STOP_CHARS) throw ApiException.badRequest("stop", "stop strings must be at most " + MAX_STOP_CHARS + " characters");
        }
        return out;
    }

    /** The completion's length limit: max_tokens, or what the context leaves; prompt + limit must fit the context. */
    private int maxTokens(int positions, GenOptions opt) {
        int ctx = config.context();
        if (positions >= ctx) {
            throw new ApiException(400, "invalid_request_error", "context_length_exceeded", "messages",
                "This model's maximum context length is " + ctx + " tokens, but the prompt takes " + positions + " (images included); "
                    + "at least one token must be left for the answer");
        }
        int max = opt.maxTokens == null ? ctx - positions : opt.maxTokens;
        if ((long) positions + max > ctx) {
            throw new ApiException(400, "invalid_request_error", "context_length_exceeded", "max_tokens",
                "This model's maximum context length is " + ctx + " tokens. However, you requested " + (positions + (long) max) + " tokens ("
                    + positions + " in the prompt, images included, " + max + " in the completion). Please reduce the prompt or max_tokens.");
        }
        return max;
    }
}

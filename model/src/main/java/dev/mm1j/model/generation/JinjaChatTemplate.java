package dev.mm1j.model.generation;

import dev.mm1j.model.generation.jinja.JinjaException;
import dev.mm1j.model.generation.jinja.JinjaTemplate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A checkpoint's own chat template (the Jinja {@code chat_template} of tokenizer_config.json, chat_template.json,
 * chat_template.jinja or GGUF {@code tokenizer.chat_template}), rendering a conversation to the prompt text exactly
 * as transformers' {@code apply_chat_template(messages, tokenize=False, add_generation_prompt=...)} does. The text
 * holds the special tokens literally (BOS included where the template writes it): encode it without adding
 * specials again. The built-in {@link ChatTemplate} formats remain the fallback, picked with {@code --template}.
 *
 * <p>The context is what transformers passes: {@code messages}, {@code add_generation_prompt}, {@code tools} and
 * {@code documents} (None unless given in {@code extra}), the tokenizer's special tokens ({@code bos_token},
 * {@code eos_token}, ...) and any {@code extra} variables (e.g. {@code date_string}, {@code tools}). Each message is
 * {@code {"role", "content"}}; {@code content} is a list of parts ({@code {"type":"image"}},
 * {@code {"type":"text","text":...}}, as transformers' processors pass them) when the template reads
 * {@code ['text']} (the LLaVA processors' templates, Qwen2-VL's), else a string, with an {@code images} count
 * beside it when the template reads {@code message['images']} (the MM1 demo's does) — so every other template
 * sees exactly transformers' context. {@link ContentStyle} overrides the choice of content form.
 *
 * <p>{@link #withInlineImages}: for models that take images, a template of the TEXT style that does not read the
 * image count (a text model's template, as a GGUF pair carries) would lose a message's images; there each image part
 * becomes the marker text inside {@code content}, at its position (llama.cpp's mtmd puts its media marker in the
 * text the same way).
 */
public final class JinjaChatTemplate {
    /** The names {@code --template} accepts, for messages. */
    static final String BUILT_IN_NAMES = String.join("|", Arrays.stream(ChatTemplate.values()).map(t -> t.name().toLowerCase(Locale.ROOT)).toList());
    private static final Pattern READS_TEXT_PARTS = Pattern.compile("\\[\\s*(['\"])text\\1\\s*\\]|\\.text\\b");
    private static final Pattern READS_IMAGE_COUNT = Pattern.compile("\\[\\s*(['\"])images\\1\\s*\\]|\\.images\\b");

    /** How message content reaches the template. */
    public enum ContentStyle {
        /** PARTS when the template reads {@code ['text']} or {@code .text}, else TEXT. */
        AUTO,
        /** {@code content} is the message text (and {@code images} the number of images, if the template reads it). */
        TEXT,
        /** {@code content} is the list of parts in order. */
        PARTS
    }

    private final JinjaTemplate template;
    private final String origin;
    private final Map<String, Object> specialTokens;
    private final ContentStyle style;
    private final boolean imageCount;
    private final Supplier<LocalDateTime> clock;
    private final String inlineImage; // null: images are not written into string content

    private JinjaChatTemplate(JinjaTemplate template, String origin, Map<String, Object> specialTokens, ContentStyle style,
                              boolean imageCount, Supplier<LocalDateTime> clock) {
        this(template, origin, specialTokens, style, imageCount, clock, null);
    }

    private JinjaChatTemplate(JinjaTemplate template, String origin, Map<String, Object> specialTokens, ContentStyle style,
                              boolean imageCount, Supplier<LocalDateTime> clock, String inlineImage) {
        this.inlineImage = inlineImage;
        this.template = template;
        this.origin = origin;
        this.specialTokens = specialTokens;
        this.style = style;
        this.imageCount = imageCount;
        this.clock = clock;
    }

    /**
     * Compiles {@code source}. {@code origin} names it in messages (e.g. {@code "llava-1.5-7b-hf/chat_template.json"});
     * {@code specialTokens} maps {@code bos_token}, {@code eos_token}, ... to their text (a list value is allowed,
     * e.g. {@code additional_special_tokens}). A template mm1j cannot parse is a {@link ChatTemplateException} that
     * names the line, the construct and {@code --template}.
     */
    public static JinjaChatTemplate compile(String source, String origin, Map<String, ?> specialTokens) {
        return compile(source, origin, specialTokens, ContentStyle.AUTO, LocalDateTime::now);
    }

    /** As above, with the content style and the clock {@code strftime_now} reads (Llama 3.2's date line). */
    public static JinjaChatTemplate compile(String source, String origin, Map<String, ?> specialTokens, ContentStyle style,
                                            Supplier<LocalDateTime> clock) {
        Objects.requireNonNull(source, "chat template source");
        try {
            JinjaTemplate t = JinjaTemplate.compile(source);
            ContentStyle resolved = style != ContentStyle.AUTO ? style
                : READS_TEXT_PARTS.matcher(source).find() ? ContentStyle.PARTS : ContentStyle.TEXT;
            boolean imageCount = READS_IMAGE_COUNT.matcher(source).find();
            return new JinjaChatTemplate(t, origin, new LinkedHashMap<>(specialTokens), resolved, imageCount, clock);
        } catch (JinjaException e) {
            throw new ChatTemplateException(origin, e);
        }
    }

    /**
     * This template, with each image part written as {@code marker} into a message's string content (at its
     * position among the text parts) when the template takes content as a string and does not read the image count.
     */
    public JinjaChatTemplate withInlineImages(String marker) {
        return new JinjaChatTemplate(template, origin, specialTokens, style, imageCount, clock, java.util.Objects.requireNonNull(marker, "marker"));
    }

    /** The conversation as prompt text; with {@code addGenerationPrompt} it ends where the assistant's reply starts. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /** As above with extra template variables ({@code tools}, {@code date_string}, ...), which win over the defaults. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> extra) {
        try {
            return template.render(context(messages, addGenerationPrompt, extra), clock, JinjaTemplate.Limits.DEFAULT);
        } catch (JinjaException e) {
            throw new ChatTemplateException(origin, e);
        }
    }

    /** The context {@link #render} passes to the template (for inspection and tests). */
    public Map<String, Object> context(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> extra) {
        Map<String, Object> ctx = new LinkedHashMap<>(specialTokens);
        ctx.put("tools", null);
        ctx.put("documents", null);
        ctx.putAll(extra);
        ctx.put("add_generation_prompt", addGenerationPrompt);
        List<Object> msgs = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) msgs.add(message(m));
        ctx.put("messages", msgs);
        return ctx;
    }

    private Map<String, Object> message(ChatMessage m) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("role", m.role());
        if (style == ContentStyle.PARTS) {
            List<Object> parts = new ArrayList<>();
            for (ChatMessage.Part p : m.parts()) {
                Map<String, Object> part = new LinkedHashMap<>();
                if (p instanceof ChatMessage.Text t) {
                    part.put("type", "text");
                    part.put("text", t.text());
                } else {
                    part.put("type", "image");
                }
                parts.add(part);
            }
            out.put("content", parts);
        } else if (inlineImage != null && !imageCount && m.images() > 0) {
            StringBuilder text = new StringBuilder();
            for (ChatMessage.Part p : m.parts()) text.append(p instanceof ChatMessage.Text t ? t.text() : inlineImage);
            out.put("content", text.toString());
        } else {
            out.put("content", m.content());
            if (imageCount) out.put("images", (long) m.images());
        }
        return out;
    }

    /** The special-token entries of tokenizer_config.json that transformers passes to the template. */
    private static final List<String> TOKEN_KEYS = List.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token",
        "cls_token", "mask_token");

    /**
     * The special tokens of a parsed tokenizer_config.json as the template sees them: {@code bos_token},
     * {@code eos_token}, ... (strings, or AddedToken objects whose {@code content} is taken) and
     * {@code additional_special_tokens} (a list).
     */
    public static Map<String, Object> specialTokens(Map<String, ?> tokenizerConfig) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String key : TOKEN_KEYS) {
            String s = tokenText(tokenizerConfig.get(key));
            if (s != null) out.put(key, s);
        }
        if (tokenizerConfig.get("additional_special_tokens") instanceof List<?> l) {
            List<Object> extra = new ArrayList<>();
            for (Object o : l) {
                String s = tokenText(o);
                if (s != null) extra.add(s);
            }
            out.put("additional_special_tokens", extra);
        }
        return out;
    }

    private static String tokenText(Object v) {
        if (v instanceof String s) return s;
        if (v instanceof Map<?, ?> m && m.get("content") instanceof String s) return s;
        return null;
    }

    /** The content style in use (AUTO resolved). */
    public ContentStyle contentStyle() {
        return style;
    }

    public String origin() {
        return origin;
    }
}

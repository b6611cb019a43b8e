package dev.mm1j.model.generation;

import dev.mm1j.core.Mm1jException;
import java.util.List;
import java.util.Locale;

/**
 * Built-in chat formats: the fallback when a checkpoint has no Jinja chat template or the user picks one with
 * {@code --template} ({@link JinjaChatTemplate} renders the checkpoint's own template; {@link #detect} guesses
 * which of these a template resembles). The rendered text holds the special tokens literally (BOS included where
 * the format has one) and is meant to be encoded without adding specials again.
 *
 * <p>Images: a message's parts are rendered in order, each image as {@link #IMAGE_LINE} ({@code <image>\n}, LLaVA's
 * convention: the image on its own line before the text that follows), so that {@code [image, "What is it?"]} gives
 * {@code <image>\nWhat is it?} — what the LLaVA processors' templates render for that message. MM1 keeps its own
 * layout (a question's images after it).
 */
public enum ChatTemplate {
    /** Llama 3: {@code <|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>} after {@code <|begin_of_text|>}. */
    LLAMA3,
    /** ChatML (Qwen): {@code <|im_start|>role\ncontent<|im_end|>\n}. */
    CHATML,
    /** Mistral / Llama 2: {@code <s>[INST] user [/INST]answer</s>}; a system message goes before the first user text. */
    MISTRAL,
    /**
     * Vicuna v1 as LLaVA-1.5 and the Vicuna-based LLaVA-NeXT were trained and as llava-hf's processor template renders
     * it: {@code <s>USER: <image>\nquestion ASSISTANT:}; answers {@code ASSISTANT: answer</s>}; a system message
     * {@code system } in front.
     */
    VICUNA,
    /**
     * MM1 (the demo model's format, tools/demo/chat.py): {@code <s>}, then per user turn {@code Question: q\n<image>…\nAnswer:}
     * (the question first, then its images; no image line without images), per answer {@code ' answer</s>'}, a
     * system message as its own line; a turn after an answer starts with {@code \n}. A message's text parts are joined
     * with {@code \n} and trimmed; consecutive user messages are one turn (texts joined with {@code \n}, images added).
     */
    MM1,
    /** No format: the messages' text concatenated (for base models). */
    RAW;

    /** The marker of an image in rendered text; the tokenizer (or {@code ChatFormat}) turns it into the image id. */
    public static final String IMAGE_MARKER = "<image>";
    /** How the built-in formats (all but MM1) render an image part. */
    public static final String IMAGE_LINE = IMAGE_MARKER + "\n";

    /**
     * The conversation as text. {@code bos} and {@code eos} are the tokenizer's BOS/EOS strings (used by
     * MISTRAL and MM1); with {@code addGenerationPrompt} the text ends where the assistant's answer starts.
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, String bos, String eos) {
        return render(messages, addGenerationPrompt, bos, eos, null);
    }

    /** As above; {@code defaultSystem} (nullable) is the system message the format adds when there is none (Qwen's). */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, String bos, String eos, String defaultSystem) {
        StringBuilder sb = new StringBuilder();
        if (defaultSystem != null && (messages.isEmpty() || !messages.getFirst().role().equals("system"))) {
            messages = new java.util.ArrayList<>(messages);
            messages.addFirst(ChatMessage.system(defaultSystem));
        }
        switch (this) {
            case LLAMA3 -> {
                sb.append("<|begin_of_text|>");
                for (ChatMessage m : messages) {
                    sb.append("<|start_header_id|>").append(m.role()).append("<|end_header_id|>\n\n").append(body(m).strip()).append("<|eot_id|>");
                }
                if (addGenerationPrompt) sb.append("<|start_header_id|>assistant<|end_header_id|>\n\n");
            }
            case CHATML -> {
                for (ChatMessage m : messages) sb.append("<|im_start|>").append(m.role()).append('\n').append(body(m)).append("<|im_end|>\n");
                if (addGenerationPrompt) sb.append("<|im_start|>assistant\n");
            }
            case MISTRAL -> {
                sb.append(orEmpty(bos));
                String system = null;
                for (ChatMessage m : messages) {
                    switch (m.role()) {
                        case "system" -> system = system == null ? m.content() : system + "\n\n" + m.content();
                        case "user" -> {
                            String text = system == null ? body(m) : system + "\n\n" + body(m);
                            system = null;
                            sb.append("[INST] ").append(text).append(" [/INST]");
                        }
                        default -> sb.append(m.content()).append(orEmpty(eos));
                    }
                }
            }
            case VICUNA -> {
                sb.append(orEmpty(bos));
                for (ChatMessage m : messages) {
                    switch (m.role()) {
                        case "system" -> sb.append(m.content()).append(' ');
                        case "user" -> sb.append("USER: ").append(body(m)).append(' ');
                        default -> sb.append("ASSISTANT: ").append(m.content()).append(orEmpty(eos));
                    }
                }
                if (addGenerationPrompt) sb.append("ASSISTANT:");
            }
            case MM1 -> renderMm1(sb, messages, orEmpty(bos), orEmpty(eos));
            case RAW -> {
                for (ChatMessage m : messages) sb.append(body(m));
            }
        }
        return sb.toString();
    }

    /** A message's parts in order: text as is, each image as {@link #IMAGE_LINE}. */
    static String body(ChatMessage m) {
        if (m.images() == 0) return m.content();
        StringBuilder sb = new StringBuilder();
        for (ChatMessage.Part p : m.parts()) {
            if (p instanceof ChatMessage.Text t) sb.append(t.text());
            else sb.append(IMAGE_LINE);
        }
        return sb.toString();
    }

    /**
     * The MM1 chat format exactly as tools/demo/chat.py's {@code render_chat} and the demo model's Jinja
     * {@code chat_template} write it (golden strings from the Python side in ChatTemplateMm1Test).
     */
    private static void renderMm1(StringBuilder sb, List<ChatMessage> messages, String bos, String eos) {
        sb.append(bos);
        boolean lineStart = true;
        StringBuilder texts = new StringBuilder();
        int images = 0;
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            java.util.StringJoiner joined = new java.util.StringJoiner("\n"); // text parts joined as the template joins them
            for (ChatMessage.Part p : m.parts()) if (p instanceof ChatMessage.Text t) joined.add(t.text());
            String text = pythonStrip(joined.toString());
            switch (m.role()) {
                case "user" -> {
                    if (!text.isEmpty()) texts.append(texts.isEmpty() ? "" : "\n").append(text);
                    images += m.images();
                    if (i + 1 == messages.size() || !messages.get(i + 1).role().equals("user")) {
                        sb.append(lineStart ? "" : "\n").append("Question: ").append(texts).append('\n');
                        if (images > 0) sb.append("<image>".repeat(images)).append('\n');
                        sb.append("Answer:");
                        texts.setLength(0);
                        images = 0;
                        lineStart = false;
                    }
                }
                case "assistant" -> {
                    sb.append(' ').append(text).append(eos);
                    lineStart = false;
                }
                default -> {
                    sb.append(lineStart ? "" : "\n").append(text).append('\n');
                    lineStart = true;
                }
            }
        }
    }

    /** Python's {@code str.strip()} (Jinja's {@code trim}): removes the characters Python counts as whitespace at both ends. */
    static String pythonStrip(String s) {
        int a = 0, b = s.length();
        while (a < b && isPythonSpace(s.charAt(a))) a++;
        while (b > a && isPythonSpace(s.charAt(b - 1))) b--;
        return s.substring(a, b);
    }

    /** {@code str.isspace()} for one UTF-16 unit (every such character is in the BMP). */
    static boolean isPythonSpace(char c) {
        return (c >= '\t' && c <= '\r') || (c >= '\u001c' && c <= ' ') || c == '\u0085' || c == '\u00a0' || c == '\u1680'
            || (c >= '\u2000' && c <= '\u200a') || c == '\u2028' || c == '\u2029' || c == '\u202f' || c == '\u205f' || c == '\u3000';
    }

    /** Text that ends the assistant's turn besides EOS (e.g. {@code <|eot_id|>}), to add to the stop tokens. */
    public List<String> endOfTurnTokens() {
        return switch (this) {
            case LLAMA3 -> List.of("<|eot_id|>", "<|end_of_text|>");
            case CHATML -> List.of("<|im_end|>", "<|endoftext|>");
            default -> List.of();
        };
    }

    /** The template called {@code name} (llama3, chatml, mistral, vicuna, mm1, raw; case-insensitive). */
    public static ChatTemplate byName(String name) {
        for (ChatTemplate t : values()) if (t.name().equalsIgnoreCase(name)) return t;
        throw new Mm1jException("unknown chat template '" + name + "' (llama3, chatml, mistral, vicuna, mm1, raw)");
    }

    /**
     * The format a checkpoint uses: recognised from its Jinja {@code chat_template} (tokenizer_config.json or
     * GGUF {@code tokenizer.chat_template}; may be null), else from {@code model_type} and the vocabulary size.
     */
    public static ChatTemplate detect(String jinja, String modelType, int vocabSize) {
        if (jinja != null) {
            if (jinja.contains("<|start_header_id|>")) return LLAMA3;
            if (jinja.contains("<|im_start|>")) return CHATML;
            if (jinja.contains("[INST]")) return MISTRAL;
            if (jinja.contains("Question:") && jinja.contains("Answer:")) return MM1;
            if (jinja.contains("ASSISTANT:")) return VICUNA;
        }
        return switch (modelType == null ? "" : modelType.toLowerCase(Locale.ROOT)) {
            case "mm1" -> MM1;
            case "qwen2" -> CHATML;
            case "mistral", "mixtral" -> MISTRAL;
            case "llama" -> vocabSize >= 128000 ? LLAMA3 : MISTRAL;
            default -> RAW;
        };
    }

    /**
     * The system message a ChatML template inserts when the conversation has none (Qwen2's "You are a helpful
     * assistant."), read from the Jinja source, or null.
     */
    public static String defaultSystemPrompt(String jinja) {
        if (jinja == null) return null;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<\\|im_start\\|>system\\\\n([^'\"<{}]+)<\\|im_end\\|>").matcher(jinja);
        return m.find() ? m.group(1) : null;
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}

package dev.mm1j.model;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.model.generation.ChatMessage;
import dev.mm1j.model.generation.ChatTemplate;
import dev.mm1j.model.generation.JinjaChatTemplate;
import dev.mm1j.model.generation.TextStream;
import dev.mm1j.model.tokenizer.StreamingDecoder;
import dev.mm1j.model.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * How a loaded model talks: its chat template — the checkpoint's own Jinja template ({@link JinjaChatTemplate}, as
 * transformers renders it), or a built-in {@link ChatTemplate} format ({@code --template}, or recognised from the
 * model type when the checkpoint has no template) — the ids that end an answer (the config's and the tokenizer's EOS
 * and the format's end-of-turn tokens), and the text of generated ids as it streams. Immutable and thread-safe.
 *
 * <p>Images (models that take them): the rendered text holds one {@link ChatTemplate#IMAGE_MARKER} per image. Where
 * the tokenizer reads the marker as the model's image id (Hugging Face folders: {@code <image>} is an added token)
 * the text is encoded whole; where it does not (a GGUF pair's text vocabulary has no image token, or its
 * {@code <image>} is another id) the text is split at the markers, each piece encoded alone and the image id put
 * between them, as llama.cpp's mtmd does. Special tokens follow transformers' processors: the tokenizer's (BOS) are
 * added unless the rendered text already starts with the BOS text (llava-hf's templates write none, the
 * tokenizer adds it); text-only models keep the tokenizer's rule ({@code apply_chat_template} adds none).
 */
public final class ChatFormat {
    private final ChatTemplate template; // the built-in format in use, or the one the Jinja template is recognised as
    private final JinjaChatTemplate jinja; // the checkpoint's own template, or null
    private final Tokenizer tokenizer;
    private final String defaultSystem;  // built-in formats only: the system message the checkpoint's template adds
    private final int[] stopTokens;
    private final int imageTokenId;      // -1: the model takes no images
    private final boolean splitAtImages; // the tokenizer does not read the marker as imageTokenId

    ChatFormat(ChatTemplate template, JinjaChatTemplate jinja, Tokenizer tokenizer, String defaultSystem, int[] configEos) {
        this(template, jinja, tokenizer, defaultSystem, configEos, -1);
    }

    /** {@code imageTokenId}: the id that marks an image in the model's prompts, or -1 for a text-only model. */
    ChatFormat(ChatTemplate template, JinjaChatTemplate jinja, Tokenizer tokenizer, String defaultSystem, int[] configEos, int imageTokenId) {
        this.imageTokenId = imageTokenId;
        this.splitAtImages = imageTokenId >= 0 && !java.util.Arrays.equals(tokenizer.encode(ChatTemplate.IMAGE_MARKER, false), new int[] {imageTokenId});
        this.template = template;
        this.jinja = jinja;
        this.tokenizer = tokenizer;
        this.defaultSystem = jinja == null ? defaultSystem : null;
        Set<Integer> ids = new LinkedHashSet<>();
        for (int e : configEos) ids.add(e);
        if (tokenizer.eosId() >= 0) ids.add(tokenizer.eosId());
        for (String s : template.endOfTurnTokens()) {
            int id = tokenizer.tokenId(s);
            if (id >= 0) ids.add(id);
        }
        this.stopTokens = ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The built-in format in use, or the one the checkpoint's template is recognised as (its end-of-turn tokens). */
    public ChatTemplate template() {
        return template;
    }

    /** The checkpoint's own template when it is the one in use, else null. */
    public JinjaChatTemplate jinja() {
        return jinja;
    }

    /** What renders prompts, for messages: the template's file, or the built-in format's name. */
    public String describe() {
        return jinja != null ? "the checkpoint's chat template (" + jinja.origin() + ")" : template.name().toLowerCase(java.util.Locale.ROOT) + " format";
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The system message the template adds when a conversation has none, or null. */
    public String defaultSystem() {
        return defaultSystem;
    }

    /** The ids that end an answer (a copy). */
    public int[] stopTokens() {
        return stopTokens.clone();
    }

    /** The conversation as text in this format; with {@code addGenerationPrompt} it ends where the answer starts. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        if (jinja != null) return jinja.render(messages, addGenerationPrompt);
        return template.render(messages, addGenerationPrompt, token(tokenizer.bosId()), token(tokenizer.eosId()), defaultSystem);
    }

    /**
     * The ids of rendered text. Text-only models: templates write their special tokens (BOS included) themselves,
     * except RAW, which gets the tokenizer's. Models that take images: the tokenizer's special tokens unless the text
     * starts with BOS (transformers' processor rule), each image marker the image id.
     */
    public int[] encode(String rendered) {
        return encode(rendered, addsSpecial(rendered));
    }

    /**
     * The ids of {@code text} with the tokenizer's special tokens added or not; each {@link ChatTemplate#IMAGE_MARKER}
     * becomes the image id (for a tokenizer without it, the text is split there and the pieces encoded alone, the
     * first with the special tokens).
     */
    public int[] encode(String text, boolean addSpecial) {
        if (!splitAtImages || !text.contains(ChatTemplate.IMAGE_MARKER)) return tokenizer.encode(text, addSpecial);
        java.util.List<Integer> ids = new java.util.ArrayList<>();
        int from = 0;
        boolean first = true;
        while (true) {
            int at = text.indexOf(ChatTemplate.IMAGE_MARKER, from);
            String piece = text.substring(from, at < 0 ? text.length() : at);
            if (first || !piece.isEmpty()) for (int id : tokenizer.encode(piece, first && addSpecial)) ids.add(id);
            first = false;
            if (at < 0) break;
            ids.add(imageTokenId);
            from = at + ChatTemplate.IMAGE_MARKER.length();
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The id that marks an image in this model's prompts, or -1 for a text-only model. */
    public int imageTokenId() {
        return imageTokenId;
    }

    /**
     * The prompt's ids, one image token per image: {@link #render} then {@link #encode}, except that special tokens
     * written in the messages' content are not recognised ({@code "</s>Question:"} in a message stays text and
     * cannot end the turn or open another); only those the format writes count.
     */
    public int[] promptIds(List<ChatMessage> messages) {
        return promptIds(messages, false);
    }

    /**
     * As {@link #promptIds(List)}; with {@code parseSpecialInContent} special tokens written in the content are
     * recognised too, as Hugging Face's {@code apply_chat_template} followed by {@code encode} does.
     *
     * <p>The content is literal by marking it: each message's text (less its leading and trailing white space,
     * which templates may strip) is wrapped in two Unicode noncharacters that no text holds (any in the content
     * become U+FFFD), the conversation is rendered, the marks are taken out and what they enclosed is encoded with
     * {@link Tokenizer#encode(String, boolean, int[])} as literal spans of the one rendered text, so the ids are
     * those of the rendered text wherever the content writes no special token.
     */
    public int[] promptIds(List<ChatMessage> messages, boolean parseSpecialInContent) {
        if (parseSpecialInContent) return encode(render(messages, true));
        List<ChatMessage> marked = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            List<ChatMessage.Part> parts = new ArrayList<>(m.parts().size());
            for (ChatMessage.Part p : m.parts()) parts.add(p instanceof ChatMessage.Text t ? new ChatMessage.Text(mark(t.text())) : p);
            marked.add(ChatMessage.of(m.role(), parts));
        }
        String rendered = render(marked, true);
        StringBuilder text = new StringBuilder(rendered.length());
        int[] spans = new int[2 * messages.size() + 2];
        int n = 0;
        boolean open = false, broken = false;
        for (int i = 0; i < rendered.length(); i++) {
            char c = rendered.charAt(i);
            if (c == OPEN || c == CLOSE) {
                broken |= (c == OPEN) == open;
                if (n == spans.length) spans = Arrays.copyOf(spans, n * 2);
                spans[n++] = text.length();
                open = !open;
            } else {
                text.append(c);
            }
        }
        String plain = text.toString();
        boolean split = splitAtImages && plain.contains(ChatTemplate.IMAGE_MARKER);
        if (!broken && !open && !split) return tokenizer.encode(plain, addsSpecial(plain), Arrays.copyOf(spans, n));
        // the template cut or reordered the content (e.g. an assistant message split at </think>), or the text is
        // encoded in pieces around image markers (a tokenizer without the image token): the spans are lost, which
        // matters only when some content writes a special token
        for (ChatMessage m : messages) {
            for (ChatMessage.Part p : m.parts()) {
                if (p instanceof ChatMessage.Text t && !Arrays.equals(tokenizer.encode(t.text(), false), tokenizer.encodeLiteral(t.text(), false))) {
                    throw new Mm1jException("a " + m.role() + " message writes a special token (e.g. '" + firstSpecial(t.text()) + "'), which "
                        + describe() + " cannot keep as text because it changes the messages' text; remove it, or let special tokens in "
                        + "messages count (the server's --parse-special)");
                }
            }
        }
        return encode(render(messages, true));
    }

    /** Whether encoding adds the tokenizer's specials: templates write theirs (BOS included) themselves, except RAW. */
    private boolean addsSpecial(String rendered) {
        if (imageTokenId >= 0) { // transformers' processor rule: the tokenizer's specials unless the text starts with BOS
            int bos = tokenizer.bosId();
            return bos < 0 || !rendered.startsWith(tokenizer.token(bos));
        }
        return jinja == null && template == ChatTemplate.RAW;
    }

    /** The first special token {@code text} holds, for messages. */
    private String firstSpecial(String text) {
        for (int id : tokenizer.encode(text, false)) if (tokenizer.isSpecial(id)) return tokenizer.token(id);
        return "?";
    }

    /** U+FDD0 and U+FDD1: noncharacters, reserved by Unicode for a program's internal use. */
    private static final char OPEN = '\uFDD0', CLOSE = '\uFDD1';

    /**
     * The text with the part between its leading and trailing white space marked as literal. White space is what
     * Python's {@code str.strip()} removes (Jinja's {@code trim}), so a template that strips content strips the same.
     */
    private static String mark(String content) {
        String c = content.replace(OPEN, '\uFFFD').replace(CLOSE, '\uFFFD');
        int a = 0, b = c.length();
        while (a < b && isSpace(c.charAt(a))) a++;
        while (b > a && isSpace(c.charAt(b - 1))) b--;
        return c.substring(0, a) + OPEN + c.substring(a, b) + CLOSE + c.substring(b);
    }

    private static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    /** Whether the format puts one space between the prompt and the answer ({@code Answer: red}), which callers strip. */
    public boolean spaceBeforeAnswer() {
        return template == ChatTemplate.MM1;
    }

    /** A new stream that turns generated ids into whole characters of text. */
    public TextStream textStream() {
        StreamingDecoder d = tokenizer.streamingDecoder(true);
        return new TextStream() {
            @Override
            public String step(int id) {
                return d.step(id);
            }

            @Override
            public String flush() {
                return d.flush();
            }
        };
    }

    private String token(int id) {
        return id >= 0 ? tokenizer.token(id) : null;
    }
}

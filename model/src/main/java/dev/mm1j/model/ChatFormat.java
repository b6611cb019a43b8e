package dev.mm1j.model;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.model.generation.ChatMessage;
import dev.mm1j.model.generation.ChatTemplate;
import dev.mm1j.model.generation.TextStream;
import dev.mm1j.model.tokenizer.StreamingDecoder;
import dev.mm1j.model.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * How a loaded model talks: its chat template, the system message the template adds when a conversation has none
 * (Qwen's), the ids that end an answer (the config's and the tokenizer's EOS and the template's end-of-turn
 * tokens), and the text of generated ids as it streams. Immutable and thread-safe.
 */
public final class ChatFormat {
    private final ChatTemplate template;
    private final Tokenizer tokenizer;
    private final String defaultSystem;
    private final int[] stopTokens;

    ChatFormat(ChatTemplate template, Tokenizer tokenizer, String defaultSystem, int[] configEos) {
        this.template = template;
        this.tokenizer = tokenizer;
        this.defaultSystem = defaultSystem;
        Set<Integer> ids = new LinkedHashSet<>();
        for (int e : configEos) ids.add(e);
        if (tokenizer.eosId() >= 0) ids.add(tokenizer.eosId());
        for (String s : template.endOfTurnTokens()) {
            int id = tokenizer.tokenId(s);
            if (id >= 0) ids.add(id);
        }
        this.stopTokens = ids.stream().mapToInt(Integer::intValue).toArray();
    }

    public ChatTemplate template() {
        return template;
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
        return template.render(messages, addGenerationPrompt, token(tokenizer.bosId()), token(tokenizer.eosId()), defaultSystem);
    }

    /** The ids of rendered text: the format writes its special tokens (BOS included) itself, except RAW, which gets the tokenizer's. */
    public int[] encode(String rendered) {
        return tokenizer.encode(rendered, template == ChatTemplate.RAW);
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
        for (ChatMessage m : messages) marked.add(new ChatMessage(m.role(), mark(m.content()), m.images()));
        String rendered = render(marked, true);
        StringBuilder text = new StringBuilder(rendered.length());
        int[] spans = new int[2 * messages.size() + 2];
        int n = 0;
        boolean open = false;
        for (int i = 0; i < rendered.length(); i++) {
            char c = rendered.charAt(i);
            if (c == OPEN || c == CLOSE) {
                if ((c == OPEN) == open) throw new Mm1jException("chat format " + template + ": the rendered prompt does not keep each message's content in one piece");
                if (n == spans.length) spans = Arrays.copyOf(spans, n * 2);
                spans[n++] = text.length();
                open = !open;
            } else {
                text.append(c);
            }
        }
        if (open) throw new Mm1jException("chat format " + template + ": the rendered prompt does not keep each message's content in one piece");
        return tokenizer.encode(text.toString(), template == ChatTemplate.RAW, Arrays.copyOf(spans, n));
    }

    /** U+FDD0 and U+FDD1: noncharacters, reserved by Unicode for a program's internal use. */
    private static final char OPEN = '\uFDD0', CLOSE = '\uFDD1';

    /** The content with its text between white space marked as literal. */
    private static String mark(String content) {
        String c = content.replace(OPEN, '\uFFFD').replace(CLOSE, '\uFFFD');
        int a = 0, b = c.length();
        while (a < b && Character.isWhitespace(c.charAt(a))) a++;
        while (b > a && Character.isWhitespace(c.charAt(b - 1))) b--;
        return c.substring(0, a) + OPEN + c.substring(a, b) + CLOSE + c.substring(b);
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

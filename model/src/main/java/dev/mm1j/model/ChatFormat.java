package dev.mm1j.model;

import dev.mm1j.model.generation.ChatMessage;
import dev.mm1j.model.generation.ChatTemplate;
import dev.mm1j.model.generation.JinjaChatTemplate;
import dev.mm1j.model.generation.TextStream;
import dev.mm1j.model.tokenizer.StreamingDecoder;
import dev.mm1j.model.tokenizer.Tokenizer;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * How a loaded model talks: its chat template — the checkpoint's own Jinja template ({@link JinjaChatTemplate}, as
 * transformers renders it), or a built-in {@link ChatTemplate} format ({@code --template}, or recognised from the
 * model type when the checkpoint has no template) — the ids that end an answer (the config's and the tokenizer's EOS
 * and the format's end-of-turn tokens), and the text of generated ids as it streams. Immutable and thread-safe.
 */
public final class ChatFormat {
    private final ChatTemplate template; // the built-in format in use, or the one the Jinja template is recognised as
    private final JinjaChatTemplate jinja; // the checkpoint's own template, or null
    private final Tokenizer tokenizer;
    private final String defaultSystem;  // built-in formats only: the system message the checkpoint's template adds
    private final int[] stopTokens;

    ChatFormat(ChatTemplate template, JinjaChatTemplate jinja, Tokenizer tokenizer, String defaultSystem, int[] configEos) {
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

    /** The ids of rendered text: templates write their special tokens (BOS included) themselves, except RAW, which gets the tokenizer's. */
    public int[] encode(String rendered) {
        return tokenizer.encode(rendered, jinja == null && template == ChatTemplate.RAW);
    }

    /** {@link #render} then {@link #encode}: the prompt's ids, one image token per image. */
    public int[] promptIds(List<ChatMessage> messages) {
        return encode(render(messages, true));
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

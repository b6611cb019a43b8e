package dev.mm1j.model.generation;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.model.generation.jinja.JinjaException;

/**
 * A checkpoint's chat template could not be used: mm1j cannot parse or render it (the message then says how to
 * pick a built-in format with {@code --template}), or the template refused the conversation on purpose
 * ({@link #refusedConversation()}, e.g. "Conversation roles must alternate user/assistant/..."). The cause is the
 * {@link JinjaException} with the line and column in the template.
 */
public final class ChatTemplateException extends Mm1jException {
    private final boolean refusedConversation;

    ChatTemplateException(String origin, JinjaException cause) {
        super(message(origin, cause), cause);
        this.refusedConversation = cause.kind() == JinjaException.Kind.RAISED;
    }

    private static String message(String origin, JinjaException e) {
        if (e.kind() == JinjaException.Kind.RAISED) {
            return "the chat template of " + origin + " refused this conversation: " + e.detail();
        }
        return "cannot use the chat template of " + origin + ": " + e.getMessage()
            + ". Choose a built-in chat format instead with --template " + JinjaChatTemplate.BUILT_IN_NAMES + ".";
    }

    /** True when the template itself rejected the messages ({@code raise_exception}); the template is fine. */
    public boolean refusedConversation() {
        return refusedConversation;
    }

    /** The template error, with {@link JinjaException#line()} and {@link JinjaException#column()}. */
    public JinjaException jinja() {
        return (JinjaException) getCause();
    }
}

package dev.mm1j.model.generation;

/**
 * One message of a conversation: role {@code system}, {@code user} or {@code assistant}; {@code images} is the
 * number of images attached to a user message (MM1 puts one {@code <image>} token per image before the text).
 */
public record ChatMessage(String role, String content, int images) {
    public ChatMessage {
        if (!role.equals("system") && !role.equals("user") && !role.equals("assistant")) {
            throw new IllegalArgumentException("unknown chat role '" + role + "' (system, user or assistant)");
        }
        if (images < 0) throw new IllegalArgumentException("negative image count");
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content, 0);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content, 0);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content, 0);
    }
}

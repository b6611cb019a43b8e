package dev.mm1j.model.generation;

import java.util.ArrayList;
import java.util.List;

/**
 * One message of a conversation: role {@code system}, {@code user} or {@code assistant}; {@code content} its text;
 * {@code images} the number of images attached; {@code parts} the text and images in their order (what a
 * checkpoint's Jinja template sees as {@code [{"type":"image"}, {"type":"text","text":...}]}). Built from text and a
 * count, the images come first, then the text (omitted when empty and there are images), as {@code Prompt} orders
 * them (images before their question).
 */
public record ChatMessage(String role, String content, int images, List<Part> parts) {
    /** A piece of a message: {@link Text} or {@link Image}. */
    public sealed interface Part permits Text, Image {}

    public record Text(String text) implements Part {
        public Text {
            if (text == null) throw new IllegalArgumentException("null text part");
        }
    }

    public record Image() implements Part {}

    public static final Image IMAGE = new Image();

    public ChatMessage {
        if (role == null || !role.equals("system") && !role.equals("user") && !role.equals("assistant")) {
            throw new IllegalArgumentException("unknown chat role '" + role + "' (system, user or assistant)");
        }
        if (content == null) throw new IllegalArgumentException("null content");
        if (images < 0) throw new IllegalArgumentException("negative image count");
        if (parts == null) {
            List<Part> derived = new ArrayList<>();
            for (int i = 0; i < images; i++) derived.add(IMAGE);
            if (!content.isEmpty() || images == 0) derived.add(new Text(content));
            parts = List.copyOf(derived);
        } else {
            parts = List.copyOf(parts);
            StringBuilder text = new StringBuilder();
            int n = 0;
            for (Part p : parts) {
                if (p instanceof Text t) text.append(t.text());
                else n++;
            }
            if (n != images || !text.toString().equals(content)) {
                throw new IllegalArgumentException("parts (" + n + " images, text '" + text + "') disagree with content '" + content + "' and " + images + " images");
            }
        }
    }

    /** A message of text and a count of images (images first); the form every existing caller uses. */
    public ChatMessage(String role, String content, int images) {
        this(role, content, images, null);
    }

    /** A message of parts in order; {@code content} is their text joined, {@code images} their image count. */
    public static ChatMessage of(String role, List<Part> parts) {
        StringBuilder text = new StringBuilder();
        int n = 0;
        for (Part p : parts) {
            if (p instanceof Text t) text.append(t.text());
            else n++;
        }
        return new ChatMessage(role, text.toString(), n, parts);
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

package dev.mm1j.model.mm1;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.model.generation.ChatMessage;
import dev.mm1j.model.vision.ImageDecoder;
import dev.mm1j.model.vision.RgbImage;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a model is asked: questions with their images, optionally preceded by solved examples (few-shot), or a raw
 * text in which each {@code <image>} stands for the next image. Immutable, thread-safe; images are decoded when
 * the prompt is run (so that errors name the file there, and the model's pixel limit applies).
 *
 * <pre>{@code
 * Prompt p = Prompt.of("What colour is the star?", Path.of("examples/shapes1.png"));
 * Prompt fewShot = Prompt.builder()
 *     .image(Path.of("a.png")).question("How many circles are there?").answer("two")   // a solved example
 *     .image(Path.of("b.png")).question("How many circles are there?")                  // the one to answer
 *     .build();
 * }</pre>
 *
 * With the MM1 chat format a question's images go right after it ({@code Question: q\n<image>…\nAnswer:}), as
 * the model was trained; other formats (text-only models) take no images.
 */
public final class Prompt {
    private final List<ChatMessage> messages; // null for a raw prompt
    private final String raw;                 // null for a conversation
    private final List<Image> images;

    private Prompt(List<ChatMessage> messages, String raw, List<Image> images) {
        this.messages = messages == null ? null : List.copyOf(messages);
        this.raw = raw;
        this.images = List.copyOf(images);
    }

    /** One question about some image files (none for a text-only question). */
    public static Prompt of(String question, Path... images) {
        Builder b = builder();
        for (Path p : images) b.image(p);
        return b.question(question).build();
    }

    /** One question about some images. */
    public static Prompt of(String question, List<Image> images) {
        Builder b = builder();
        for (Image i : images) b.image(i);
        return b.question(question).build();
    }

    /**
     * The model's input text exactly as given, without a chat format (the tokenizer adds BOS when its post-processor
     * does); each {@code <image>} in it is the next of {@code images}, in order.
     */
    public static Prompt raw(String text, List<Image> images) {
        Objects.requireNonNull(text, "text");
        return new Prompt(null, text, images);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The conversation (null for a raw prompt). */
    public List<ChatMessage> messages() {
        return messages;
    }

    /** The raw text (null for a conversation). */
    public String rawText() {
        return raw;
    }

    /** Every image, in the order it appears in the sequence. */
    public List<Image> images() {
        return images;
    }

    @Override
    public String toString() {
        return raw != null ? "Prompt[raw, " + images.size() + " images]" : "Prompt[" + messages.size() + " messages, " + images.size() + " images]";
    }

    /** Builds a conversation: images, then their question, then (for a solved example) its answer. */
    public static final class Builder {
        private final List<ChatMessage> messages = new ArrayList<>();
        private final List<Image> images = new ArrayList<>();
        private int pending; // images since the last question

        private Builder() {}

        /** A system message (formats that have one; MM1's puts it on its own line at the start). */
        public Builder system(String text) {
            if (!messages.isEmpty() || pending > 0) throw new Mm1jException("a system message must come first");
            messages.add(ChatMessage.system(Objects.requireNonNull(text, "text")));
            return this;
        }

        /** An image for the next question. */
        public Builder image(Image image) {
            images.add(Objects.requireNonNull(image, "image"));
            pending++;
            return this;
        }

        public Builder image(Path file) {
            return image(Image.of(file));
        }

        public Builder image(BufferedImage image) {
            return image(Image.of(image));
        }

        /** An encoded image file (PNG, JPEG, BMP, GIF) held in memory. */
        public Builder image(byte[] encoded) {
            return image(Image.of(encoded));
        }

        /** A question about the images given since the last one. */
        public Builder question(String text) {
            Objects.requireNonNull(text, "text");
            if (!messages.isEmpty() && messages.getLast().role().equals("user")) {
                throw new Mm1jException("two questions in a row: give the first one's answer (answer(...)) before the next question");
            }
            messages.add(new ChatMessage("user", text, pending));
            pending = 0;
            return this;
        }

        /** The answer to the last question (a solved example for few-shot prompting). */
        public Builder answer(String text) {
            Objects.requireNonNull(text, "text");
            if (messages.isEmpty() || !messages.getLast().role().equals("user") || pending > 0) {
                throw new Mm1jException("an answer must follow a question");
            }
            messages.add(ChatMessage.assistant(text));
            return this;
        }

        /** The prompt; it must end with a question (the one the model answers). */
        public Prompt build() {
            if (pending > 0) throw new Mm1jException(pending + " image" + (pending == 1 ? "" : "s") + " after the last question: images go before their question");
            if (messages.isEmpty() || !messages.getLast().role().equals("user")) throw new Mm1jException("the prompt must end with a question");
            return new Prompt(messages, null, images);
        }
    }

    /** An image given to a prompt: a file, encoded bytes, a decoded {@link BufferedImage} or 8-bit RGB pixels. */
    public sealed interface Image {
        /** The image as 8-bit RGB (alpha dropped). */
        RgbImage decode(ImageDecoder decoder);

        static Image of(Path file) {
            return new FileImage(Objects.requireNonNull(file, "file"));
        }

        static Image of(byte[] encoded) {
            return new EncodedImage(Objects.requireNonNull(encoded, "encoded").clone());
        }

        static Image of(BufferedImage image) {
            return new Pixels(toRgb(Objects.requireNonNull(image, "image")));
        }

        static Image of(RgbImage image) {
            return new Pixels(Objects.requireNonNull(image, "image"));
        }
    }

    record FileImage(Path file) implements Image {
        @Override
        public RgbImage decode(ImageDecoder decoder) {
            return decoder.decode(file);
        }

        @Override
        public String toString() {
            return file.toString();
        }
    }

    record EncodedImage(byte[] bytes) implements Image {
        @Override
        public RgbImage decode(ImageDecoder decoder) {
            return decoder.decode(bytes, "image bytes (" + bytes.length + " bytes)");
        }

        @Override
        public String toString() {
            return "image bytes (" + bytes.length + " bytes)";
        }
    }

    record Pixels(RgbImage image) implements Image {
        @Override
        public RgbImage decode(ImageDecoder decoder) {
            long n = (long) image.width() * image.height();
            if (n > decoder.maxPixels()) throw new Mm1jException("image " + image.width() + "x" + image.height() + " has more than " + decoder.maxPixels() + " pixels");
            return image;
        }

        @Override
        public String toString() {
            return image.toString();
        }
    }

    /** sRGB samples of a BufferedImage (alpha dropped, not composited, as Pillow's convert("RGB") does). */
    static RgbImage toRgb(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        RgbImage out = RgbImage.blank(w, h);
        byte[] rgb = out.rgb();
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int p = row[x], o = (y * w + x) * 3;
                rgb[o] = (byte) (p >> 16);
                rgb[o + 1] = (byte) (p >> 8);
                rgb[o + 2] = (byte) p;
            }
        }
        return out;
    }
}

package dev.mm1j.app.cli;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.model.ImageEncoder;
import dev.mm1j.model.ImageSplice;
import dev.mm1j.model.LoadedModel;
import dev.mm1j.model.generation.ChatMessage;
import dev.mm1j.model.generation.Generator;
import dev.mm1j.model.vision.ImageDecoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;

/**
 * The images of an {@code mm1j chat} conversation: each {@code <image:FILE>} of a message is decoded, preprocessed
 * and encoded when the message is given, and its rows kept (in conversation order) for every later turn's prompt.
 * Not thread-safe (the chat loop's).
 */
final class ChatImages implements AutoCloseable {
    private final LoadedModel model;
    private final ImageEncoder encoder; // null: the model takes no images
    private final ImageDecoder decoder;
    private final List<ImageEncoder.Encoded> encoded = new ArrayList<>();
    private int lastAdded;
    private Tensor joined; // every image's rows, in order (rebuilt when the images change)

    ChatImages(LoadedModel model, long maxPixels) {
        this.model = model;
        this.encoder = model.images();
        this.decoder = new ImageDecoder(maxPixels);
    }

    /** A message line as parts: text, and each {@code <image:FILE>} as an image (encoded now). */
    List<ChatMessage.Part> add(String line) {
        List<ChatMessage.Part> parts = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        Matcher m = RunCommand.INLINE.matcher(line);
        int at = 0;
        while (m.find()) {
            text(parts, line.substring(at, m.start()));
            parts.add(ChatMessage.IMAGE);
            files.add(Path.of(m.group(1).strip()));
            at = m.end();
        }
        text(parts, line.substring(at));
        if (parts.isEmpty()) parts.add(new ChatMessage.Text(""));
        if (!files.isEmpty() && encoder == null) throw new Mm1jException(model.name() + " takes no images: send text only");
        int before = encoded.size();
        try {
            for (Path f : files) {
                try (ImageEncoder.Input in = encoder.prepare(decoder.decode(f))) {
                    encoded.add(encoder.encode(List.of(in)));
                }
            }
        } catch (RuntimeException e) {
            while (encoded.size() > before) encoded.removeLast().close();
            throw e;
        }
        lastAdded = files.size();
        if (lastAdded > 0) invalidate();
        return parts;
    }

    private static void text(List<ChatMessage.Part> parts, String piece) {
        String t = piece.strip();
        if (!t.isEmpty()) parts.add(new ChatMessage.Text(t));
    }

    /** Forgets the images of the last message (it was dropped from the conversation). */
    void dropUnused() {
        for (int i = 0; i < lastAdded; i++) encoded.removeLast().close();
        if (lastAdded > 0) invalidate();
        lastAdded = 0;
    }

    /** The prompt ids with each image id expanded to its image's positions. */
    int[] expand(int[] ids) {
        if (encoder == null) return ids;
        int[] rows = new int[encoded.size()];
        for (int i = 0; i < rows.length; i++) rows[i] = (int) encoded.get(i).rows().dim(0);
        return ImageSplice.expand(ids, encoder.imageTokenId(), rows);
    }

    /** What fills the prompt's positions: token embeddings, and the images' rows where {@code expanded} marks them. */
    Generator.PromptFeeder feeder(int[] expanded) {
        Tensor rows = rows();
        return (cache, from, logits) -> ImageSplice.prefill(model.text(), cache, expanded, rows, from, expanded.length, logits);
    }

    private Tensor rows() {
        if (encoded.isEmpty()) return null;
        if (joined == null) {
            long total = 0;
            for (ImageEncoder.Encoded e : encoded) total += e.rows().dim(0);
            joined = model.ops().allocate(DType.F32, total, model.text().config().hiddenSize());
            long at = 0;
            for (ImageEncoder.Encoded e : encoded) {
                long r = e.rows().dim(0);
                model.ops().copy(joined.slice(0, at, at + r), e.rows());
                at += r;
            }
        }
        return joined;
    }

    private void invalidate() {
        if (joined != null) joined.close();
        joined = null;
    }

    /** Forgets every image (a new conversation). */
    void clear() {
        encoded.forEach(ImageEncoder.Encoded::close);
        encoded.clear();
        lastAdded = 0;
        invalidate();
    }

    @Override
    public void close() {
        clear();
    }
}

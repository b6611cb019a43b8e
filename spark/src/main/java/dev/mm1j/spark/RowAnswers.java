package dev.mm1j.spark;

import java.io.IOException;

/**
 * Turns one row's image cell and question into a submission to this executor's model: a binary cell is the
 * image, a string cell is its path. The cell is checked here, so that a missing file or a wrong type is that
 * row's error and never the task's.
 */
final class RowAnswers {
    private RowAnswers() {}

    /** The largest image file read from a path (an image's pixels are capped separately by the decoder). */
    static final long MAX_FILE_BYTES = 256L << 20;

    static ModelAdapter.Pending submit(ModelAdapter model, Object image, String question) {
        byte[] bytes;
        String name;
        switch (image) {
            case null -> {
                bytes = null;
                name = "image";
            }
            case byte[] b -> {
                bytes = b;
                name = "image (" + b.length + " bytes)";
            }
            case String path -> {
                try {
                    bytes = ImageBytes.read(path, MAX_FILE_BYTES);
                } catch (IOException | RuntimeException e) {
                    return model.failed(e.getMessage() != null ? e.getMessage() : e.toString());
                }
                name = path;
            }
            default -> {
                return model.failed("the image column holds " + image.getClass().getSimpleName() + ", not bytes or a path");
            }
        }
        return model.submit(bytes, name, question);
    }
}

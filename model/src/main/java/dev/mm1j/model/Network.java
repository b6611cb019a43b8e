package dev.mm1j.model;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.model.text.TextModel;

/**
 * What a {@link ModelFamily} builds from a checkpoint: the decoder, the image encoder when the family takes images,
 * and whatever must stay open while they run (converted weights, random-weight sources). Closing frees all of it.
 *
 * @param text        the decoder (every family has one)
 * @param images      the image half, or null for a text-only model
 * @param description one line: the architecture and sizes
 * @param owned       closed after the blocks, in order
 */
public record Network(TextModel text, ImageEncoder images, String description, AutoCloseable... owned) implements AutoCloseable {

    @Override
    public void close() {
        text.close();
        if (images != null) closeQuietly(images);
        for (AutoCloseable c : owned) closeQuietly(c);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            throw new Mm1jException("closing " + c + ": " + e.getMessage());
        }
    }
}

package dev.mm1j.app.server;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.model.ImageEncoder;
import dev.mm1j.model.vision.ImageDecoder;
import dev.mm1j.model.vision.RgbImage;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.Semaphore;

/**
 * The images of a request, from {@code image_url} parts: {@code data:image/...;base64,...} URLs, and
 * {@code file://} paths when the server was started with {@code --allow-local-files}. Remote URLs are not
 * fetched. Each image is decoded (PNG, JPEG, GIF, BMP; the pixel cap checked against the header before decoding)
 * and preprocessed into pixels here, on the HTTP thread, so that the engine only runs the encoder; at most
 * {@link #PARALLEL_DECODES} images are decoded at once, which bounds the memory decoding takes.
 */
final class ImageInputs {
    static final int PARALLEL_DECODES = Math.max(2, Runtime.getRuntime().availableProcessors());
    private static final Semaphore DECODES = new Semaphore(PARALLEL_DECODES);
    private static final java.util.regex.Pattern WHITESPACE = java.util.regex.Pattern.compile("\\s+");

    private final ImageEncoder encoder;
    private final ImageDecoder decoder;
    private final boolean allowLocalFiles;
    private final long maxBytes;

    ImageInputs(ImageEncoder encoder, long maxPixels, boolean allowLocalFiles, long maxBytes) {
        this.encoder = encoder;
        this.decoder = new ImageDecoder(maxPixels);
        this.allowLocalFiles = allowLocalFiles;
        this.maxBytes = maxBytes;
    }

    /** The image at {@code url} prepared for the encoder (its views' pixels and rows); {@code param} names it. */
    ImageEncoder.Input prepare(String url, String param) {
        byte[] bytes = bytes(url, param);
        try {
            DECODES.acquireUninterruptibly();
            RgbImage img;
            try {
                img = decoder.decode(bytes, param);
            } finally {
                DECODES.release();
            }
            return encoder.prepare(img);
        } catch (Mm1jException e) {
            throw ApiException.badRequest(param, e.getMessage());
        }
    }

    private byte[] bytes(String url, String param) {
        String lower = url.length() > 16 ? url.substring(0, 16).toLowerCase(Locale.ROOT) : url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("data:")) return dataUrl(url, param);
        if (lower.startsWith("file:")) return localFile(url, param);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            throw ApiException.badRequest(param, "'" + param + "': this server does not fetch remote images; send the image inline as a "
                + "data:image/png;base64,... (or image/jpeg) URL");
        }
        throw ApiException.badRequest(param, "'" + param + "' must be a data:image/...;base64,... URL" + (allowLocalFiles ? " or a file:// URL" : "")
            + ", got '" + JsonFields.brief(url) + "'");
    }

    private static byte[] dataUrl(String url, String param) {
        int comma = url.indexOf(',');
        if (comma < 0) throw ApiException.badRequest(param, "'" + param + "': a data URL needs a ',' before its content");
        String meta = url.substring(5, comma).toLowerCase(Locale.ROOT).trim();
        if (!meta.endsWith(";base64")) throw ApiException.badRequest(param, "'" + param + "': image data URLs must be base64 (data:image/png;base64,...)");
        String media = meta.substring(0, meta.length() - ";base64".length());
        int semi = media.indexOf(';');
        if (semi >= 0) media = media.substring(0, semi);
        if (!media.isEmpty() && !media.startsWith("image/")) {
            throw ApiException.badRequest(param, "'" + param + "': the data URL holds '" + media + "', not an image (image/png or image/jpeg)");
        }
        try {
            return Base64.getDecoder().decode(WHITESPACE.matcher(url.substring(comma + 1)).replaceAll(""));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(param, "'" + param + "': invalid base64 in the data URL (" + e.getMessage() + ")");
        }
    }

    private byte[] localFile(String url, String param) {
        if (!allowLocalFiles) {
            throw ApiException.badRequest(param, "'" + param + "': file:// URLs are disabled; start the server with --allow-local-files to read "
                + "images from its disk, or send the image as a data: URL");
        }
        Path p;
        try {
            p = Path.of(URI.create(url));
        } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            throw ApiException.badRequest(param, "'" + param + "': not a valid file URL (" + e.getMessage() + ")");
        }
        if (!Files.isRegularFile(p)) throw ApiException.badRequest(param, "'" + param + "': no such file: " + p);
        try (InputStream in = Files.newInputStream(p)) {
            byte[] b = in.readNBytes((int) Math.min(maxBytes + 1, Integer.MAX_VALUE - 16));
            if (b.length > maxBytes) throw ApiException.tooLarge(param, "'" + param + "': " + p + " is larger than the request limit of " + maxBytes + " bytes");
            return b;
        } catch (IOException e) {
            throw ApiException.badRequest(param, "'" + param + "': cannot read " + p + ": " + e.getMessage());
        }
    }
}

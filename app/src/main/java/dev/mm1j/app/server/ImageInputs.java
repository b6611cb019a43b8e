package dev.mm1j.app.server;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.model.ImageEncoder;
import dev.mm1j.model.vision.ImageDecoder;
import dev.mm1j.model.vision.RgbImage;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Locale;

/**
 * The images of a request, from {@code image_url} parts: {@code data:image/...;base64,...} URLs, and
 * {@code file://} paths inside the one folder the server was started with ({@code --allow-local-files DIR}).
 * Remote URLs are not fetched. Each image is decoded (PNG, JPEG, GIF, BMP; the pixel cap checked against the
 * header before decoding) and prepared for the encoder here, on the request's thread, inside the server's bounded
 * preparing section ({@link Admission}), so that the engine only runs the encoder.
 *
 * <p>A file URL is resolved to its real path (symbolic links followed) and must lie inside the folder's real
 * path, be a regular file, fit the body limit and decode as an image; when any of that fails the answer is the
 * same 400, which neither says which nor quotes the file, so that clients learn nothing about the machine's disk.
 */
final class ImageInputs {
    private static final java.util.regex.Pattern WHITESPACE = java.util.regex.Pattern.compile("\\s+");

    private final ImageEncoder encoder;
    private final ImageDecoder decoder;
    private final Path root;       // the real path of the shared folder, or null
    private final long maxBytes;

    ImageInputs(ImageEncoder encoder, long maxPixels, Path localFiles, long maxBytes) throws IOException {
        this.encoder = encoder;
        this.decoder = new ImageDecoder(maxPixels);
        this.root = localFiles == null ? null : localFiles.toRealPath();
        this.maxBytes = maxBytes;
    }

    /** The image at {@code url} prepared for the encoder (its views' pixels and rows); {@code param} names it. */
    ImageEncoder.Input prepare(String url, String param) {
        String lower = url.length() > 16 ? url.substring(0, 16).toLowerCase(Locale.ROOT) : url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("data:")) {
            try {
                return encoder.prepare(decoder.decode(dataUrl(url, param), param));
            } catch (Mm1jException e) {
                throw ApiException.badRequest(param, e.getMessage());
            }
        }
        if (lower.startsWith("file:")) {
            RgbImage img;
            try {
                img = decoder.decode(localFile(url, param), param);
            } catch (Mm1jException e) {
                throw unusableFile(param); // the decoder's message could quote the file's first bytes
            }
            try {
                return encoder.prepare(img);
            } catch (Mm1jException e) {
                throw ApiException.badRequest(param, e.getMessage());
            }
        }
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            throw ApiException.badRequest(param, "'" + param + "': this server does not fetch remote images; send the image inline as a "
                + "data:image/png;base64,... (or image/jpeg) URL");
        }
        throw ApiException.badRequest(param, "'" + param + "' must be a data:image/...;base64,... URL" + (root != null ? " or a file:// URL" : "")
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
            throw ApiException.badRequest(param, "'" + param + "': the data URL holds '" + JsonFields.cut(media) + "', not an image (image/png or image/jpeg)");
        }
        try {
            return Base64.getDecoder().decode(WHITESPACE.matcher(url.substring(comma + 1)).replaceAll(""));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(param, "'" + param + "': invalid base64 in the data URL (" + e.getMessage() + ")");
        }
    }

    /** The bytes of a file inside the shared folder; every failure is the same {@link #unusableFile} answer. */
    private byte[] localFile(String url, String param) {
        if (root == null) {
            throw ApiException.badRequest(param, "'" + param + "': file:// URLs are disabled; start the server with --allow-local-files DIR to "
                + "read images from one folder of its disk, or send the image as a data: URL");
        }
        try {
            Path real = Path.of(URI.create(url)).toRealPath();
            if (!real.startsWith(root) || !Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) throw unusableFile(param);
            try (InputStream in = Files.newInputStream(real, LinkOption.NOFOLLOW_LINKS)) {
                byte[] b = in.readNBytes((int) Math.min(maxBytes + 1, Integer.MAX_VALUE - 16));
                if (b.length > maxBytes) throw unusableFile(param);
                return b;
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof ApiException a) throw a;
            throw unusableFile(param); // bad URL, no such file, no permission, a loop of links...
        }
    }

    private ApiException unusableFile(String param) {
        return ApiException.badRequest(param, "'" + param + "': the file:// URL does not name a readable image file (at most " + maxBytes
            + " bytes) inside the folder this server shares with --allow-local-files; the URL is an absolute path, file:///<that folder>/<name>");
    }
}

package dev.mm1j.model.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.Mm1jException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gets one clear error, decided before any large allocation. */
class BadImageTest {
    static final ImageDecoder DECODER = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);

    static byte[] golden(String name) throws Exception {
        return Files.readAllBytes(Path.of(BadImageTest.class.getResource("/golden/vision/preprocess/" + name).toURI()));
    }

    static String fails(byte[] bytes, String name) {
        Mm1jException e = assertThrows(Mm1jException.class, () -> DECODER.decode(bytes, name));
        System.out.println("[bad image] " + e.getMessage());
        assertTrue(e.getMessage().startsWith(name + ": "), "the message names the file: " + e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line");
        return e.getMessage();
    }

    static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        out.writeInt(data.length);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }

    /** A PNG whose header declares {@code w × h} RGB pixels, with one small deflate stream of zeros as data. */
    static byte[] pngDeclaring(int w, int h) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        Deflater d = new Deflater();
        d.setInput(new byte[4096]);
        d.finish();
        byte[] z = new byte[8192];
        chunk(out, "IDAT", Arrays.copyOf(z, d.deflate(z)));
        chunk(out, "IEND", new byte[0]);
        return bytes.toByteArray();
    }

    @Test
    void emptyAndNotAnImage() {
        assertTrue(fails(new byte[0], "empty.png").contains("empty"));
        assertTrue(fails("hello, this is text\n".getBytes(StandardCharsets.UTF_8), "notes.txt").contains("not an image"));
        assertTrue(fails("%PDF-1.7 ...".getBytes(StandardCharsets.UTF_8), "doc.pdf").contains("PDF"));
    }

    @Test
    void otherFormatsAreNamed() {
        byte[] webp = "RIFF\0\0\0\0WEBPVP8 ".getBytes(StandardCharsets.ISO_8859_1);
        assertTrue(fails(webp, "a.webp").contains("WebP images are not supported"));
        assertTrue(fails(new byte[] {'I', 'I', 42, 0, 8, 0, 0, 0}, "a.tif").contains("TIFF"));
        assertTrue(fails("\0\0\0\u001cftypheic\0\0\0\0".getBytes(StandardCharsets.ISO_8859_1), "a.heic").contains("HEIF"));
        assertTrue(fails("\0\0\0\u001cftypavif\0\0\0\0".getBytes(StandardCharsets.ISO_8859_1), "a.avif").contains("AVIF"));
    }

    @Test
    void hugeDeclaredSizesAreRefusedBeforeDecoding() throws Exception {
        long t0 = System.nanoTime();
        String m = fails(pngDeclaring(100_000, 100_000), "huge.png");
        assertTrue(m.contains("100000x100000") && m.contains("limit"), m);
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "refused quickly");
        // JPEG: patch the SOF0 dimensions of a real file
        byte[] jpg = golden("photo_160x120.jpg");
        for (int i = 2; i + 9 < jpg.length; i++) {
            if ((jpg[i] & 0xff) == 0xff && (jpg[i + 1] & 0xff) == 0xc0) {
                jpg[i + 5] = (byte) 0xea; // 60000 rows
                jpg[i + 6] = (byte) 0x60;
                jpg[i + 7] = (byte) 0xea; // 60000 columns
                jpg[i + 8] = (byte) 0x60;
                break;
            }
        }
        assertTrue(fails(jpg, "huge.jpg").contains("60000x60000"));
        // GIF: the logical screen and the image descriptor
        byte[] gif = golden("pal_90x60.gif");
        ByteBuffer.wrap(gif).order(ByteOrder.LITTLE_ENDIAN).putShort(6, (short) 0xfff0).putShort(8, (short) 0xfff0);
        int i = 13 + ((gif[10] & 0x80) != 0 ? 3 << ((gif[10] & 7) + 1) : 0); // skip the global color table
        while (gif[i] == 0x21) { // skip extension blocks: 0x21, label, sub-blocks until a 0 length
            i += 2;
            while (gif[i] != 0) i += (gif[i] & 0xff) + 1;
            i++;
        }
        assertEquals(0x2c, gif[i], "image descriptor");
        ByteBuffer.wrap(gif).order(ByteOrder.LITTLE_ENDIAN).putShort(i + 5, (short) 0xfff0).putShort(i + 7, (short) 0xfff0);
        assertTrue(fails(gif, "huge.gif").contains("limit"));
        byte[] bmp = golden("rgb_70x50.bmp");
        ByteBuffer.wrap(bmp).order(ByteOrder.LITTLE_ENDIAN).putInt(18, 100_000).putInt(22, 100_000);
        assertTrue(fails(bmp, "huge.bmp").contains("limit"));
    }

    @Test
    void theLimitIsConfigurable() throws Exception {
        byte[] png = golden("rgb_200x150.png");
        Mm1jException e = assertThrows(Mm1jException.class, () -> new ImageDecoder(29_999).decode(png, "x.png"));
        assertTrue(e.getMessage().contains("30000 pixels"), e.getMessage());
        assertEquals(200, new ImageDecoder(30_000).decode(png, "x.png").width());
    }

    @Test
    void zeroSize() throws Exception {
        assertTrue(fails(pngDeclaring(0, 10), "zero.png").contains("empty image"));
        assertTrue(fails(pngDeclaring(10, 0), "zero2.png").contains("empty image"));
    }

    @Test
    void truncatedFilesFail() throws Exception {
        for (String name : new String[] {"rgb_200x150.png", "photo_160x120.jpg", "pal_90x60.gif", "rgb_70x50.bmp", "palette_80x80.png"}) {
            byte[] full = golden(name);
            for (int cut : new int[] {full.length / 2, full.length - 30, 20}) {
                fails(Arrays.copyOf(full, cut), "cut" + cut + "-" + name);
            }
        }
    }

    @Test
    void garbageAfterAValidHeader() throws Exception {
        byte[] png = golden("rgb_200x150.png");
        for (int i = 60; i < png.length; i += 7) png[i] ^= 0x5a;
        fails(png, "scrambled.png");
        byte[] jpg = golden("photo_160x120.jpg");
        byte[] junk = Arrays.copyOf(jpg, 400);
        fails(junk, "junk.jpg");
    }

    @Test
    void cmykJpegIsNamed() throws Exception {
        assertTrue(fails(golden("cmyk_30x20.jpg"), "cmyk.jpg").contains("CMYK"));
    }

    @Test
    void missingFile(@TempDir Path tmp) {
        Mm1jException e = assertThrows(Mm1jException.class, () -> DECODER.decode(tmp.resolve("nope.png")));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }
}

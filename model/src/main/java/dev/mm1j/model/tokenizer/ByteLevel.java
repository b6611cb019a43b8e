package dev.mm1j.model.tokenizer;

import java.util.Arrays;

/**
 * The GPT-2 byte-to-unicode table: every byte gets a printable character, so a byte string can be a
 * vocabulary entry. Printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') map to themselves, the other
 * 68 bytes to U+0100.. in byte order (space is 'Ġ' U+0120, newline 'Ċ' U+010A).
 */
final class ByteLevel {
    /** byte (0..255) → its character. */
    static final char[] BYTE_TO_CHAR = new char[256];
    /** character (below 0x144) → its byte, or -1. */
    private static final int[] CHAR_TO_BYTE = new int[0x144];

    static {
        Arrays.fill(CHAR_TO_BYTE, -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + n++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {}

    /** The byte a character stands for, or -1 if it is not one of the 256 byte characters. */
    static int byteOf(int c) {
        return c >= 0 && c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** The byte-level string of some UTF-8 bytes. */
    static String encode(byte[] utf8, int from, int to) {
        char[] out = new char[to - from];
        for (int i = from; i < to; i++) out[i - from] = BYTE_TO_CHAR[utf8[i] & 0xFF];
        return new String(out);
    }

    /** The byte-level string of a text (its UTF-8 bytes mapped). */
    static String encode(String text) {
        byte[] b = Utf8.encode(text);
        return encode(b, 0, b.length);
    }
}

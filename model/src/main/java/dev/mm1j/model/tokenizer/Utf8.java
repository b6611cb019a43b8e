package dev.mm1j.model.tokenizer;

/**
 * UTF-8 the way the Rust tokenizers library sees it: encoding never fails (a lone surrogate, which a Rust
 * string cannot hold, becomes U+FFFD), and lossy decoding replaces each maximal invalid subpart with one
 * U+FFFD (Unicode's recommended practice, as Rust's {@code String::from_utf8_lossy} does).
 */
final class Utf8 {
    static final char REPLACEMENT = '\uFFFD';

    private Utf8() {}

    /** The UTF-8 bytes of a string; lone surrogates are encoded as U+FFFD. */
    static byte[] encode(CharSequence s) {
        return encode(s, 0, s.length());
    }

    static byte[] encode(CharSequence s, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) n++;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else n += 3;
        }
        byte[] out = new byte[n];
        int p = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[p++] = (byte) c;
            } else if (c < 0x800) {
                out[p++] = (byte) (0xC0 | (c >> 6));
                out[p++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out[p++] = (byte) (0xF0 | (cp >> 18));
                out[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                out[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                out[p++] = (byte) (0x80 | (cp & 0x3F));
            } else {
                int cp = Character.isSurrogate(c) ? REPLACEMENT : c;
                out[p++] = (byte) (0xE0 | (cp >> 12));
                out[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                out[p++] = (byte) (0x80 | (cp & 0x3F));
            }
        }
        return out;
    }

    /** The string with every lone surrogate replaced by U+FFFD (the same string when there is none). */
    static String sanitize(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!Character.isSurrogate(c)) continue;
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
                continue;
            }
            StringBuilder sb = new StringBuilder(s.length());
            for (int j = 0; j < s.length(); j++) {
                char d = s.charAt(j);
                if (Character.isHighSurrogate(d) && j + 1 < s.length() && Character.isLowSurrogate(s.charAt(j + 1))) {
                    sb.append(d).append(s.charAt(++j));
                } else {
                    sb.append(Character.isSurrogate(d) ? REPLACEMENT : d);
                }
            }
            return sb.toString();
        }
        return s;
    }

    /** Decodes bytes, replacing each maximal invalid subpart with U+FFFD. */
    static String decodeLossy(byte[] b, int from, int to) {
        StringBuilder sb = new StringBuilder(to - from);
        decode(b, from, to, sb);
        return sb.toString();
    }

    /** True if the bytes are valid UTF-8. */
    static boolean isValid(byte[] b, int from, int to) {
        return decode(b, from, to, null) == 0;
    }

    /** Decodes into {@code sb} (when not null); returns the number of invalid subparts replaced. */
    private static int decode(byte[] b, int from, int to, StringBuilder sb) {
        int bad = 0;
        int i = from;
        while (i < to) {
            int b0 = b[i] & 0xFF;
            if (b0 < 0x80) {
                if (sb != null) sb.append((char) b0);
                i++;
                continue;
            }
            int need, lo = 0x80, hi = 0xBF, cp;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                need = 1;
                cp = b0 & 0x1F;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2;
                cp = b0 & 0x0F;
                if (b0 == 0xE0) lo = 0xA0;
                if (b0 == 0xED) hi = 0x9F;
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3;
                cp = b0 & 0x07;
                if (b0 == 0xF0) lo = 0x90;
                if (b0 == 0xF4) hi = 0x8F;
            } else {
                bad++;
                if (sb != null) sb.append(REPLACEMENT);
                i++;
                continue;
            }
            int j = i + 1, got = 0;
            while (got < need && j < to) {
                int c = b[j] & 0xFF;
                if (c < lo || c > hi) break;
                cp = (cp << 6) | (c & 0x3F);
                lo = 0x80;
                hi = 0xBF;
                j++;
                got++;
            }
            if (got == need) {
                if (sb != null) sb.appendCodePoint(cp);
            } else {
                bad++;
                if (sb != null) sb.append(REPLACEMENT);
            }
            i = j;
        }
        return bad;
    }
}

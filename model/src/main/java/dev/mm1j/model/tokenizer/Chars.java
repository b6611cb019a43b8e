package dev.mm1j.model.tokenizer;

/** Character classes as Rust (and the tokenizers library) define them, which differ from java.lang.Character's. */
final class Chars {
    private Chars() {}

    /** Unicode White_Space (Rust's {@code char::is_whitespace}, regex {@code \s}). */
    static boolean isWhiteSpace(int c) {
        if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D);
        return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029
            || c == 0x202F || c == 0x205F || c == 0x3000;
    }

    /** Rust's {@code char::is_numeric}: general categories Nd, Nl and No. */
    static boolean isNumeric(int c) {
        if (c < 0x80) return c >= '0' && c <= '9';
        int t = Character.getType(c);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }

    /** Regex {@code \w} in Unicode mode: Alphabetic, marks, decimal digits, connector punctuation, joiners. */
    static boolean isWordChar(int c) {
        if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (Character.isAlphabetic(c) || c == 0x200C || c == 0x200D) return true;
        int t = Character.getType(c);
        return t == Character.NON_SPACING_MARK || t == Character.ENCLOSING_MARK || t == Character.COMBINING_SPACING_MARK
            || t == Character.DECIMAL_DIGIT_NUMBER || t == Character.CONNECTOR_PUNCTUATION;
    }

    /** {@code \p{L}}: any letter. */
    static boolean isLetter(int c) {
        if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        return Character.isLetter(c);
    }

    /** {@code \p{N}}: any number (Nd, Nl, No). */
    static boolean isNumber(int c) {
        return isNumeric(c);
    }
}

package dev.mm1j.model.tokenizer;

/** Hand-written scanners for the common pre-tokenizer regexes (filled in below). */
final class FastSplit {
    private FastSplit() {}

    static Finder forPattern(String pattern) {
        return null;
    }
}

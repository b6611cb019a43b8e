package dev.mm1j.model.tokenizer;

import java.util.List;

/** A tokenizer.json "post_processor": adds special tokens (BOS...) around an encoded text when asked to. */
sealed interface PostProcessor {

    int[] process(int[] ids);

    /** The id of the token added in front, or -1 (used to report the BOS id). */
    int leadingId();

    /** Applies each in order. */
    record Sequence(List<PostProcessor> items) implements PostProcessor {
        @Override
        public int[] process(int[] ids) {
            for (PostProcessor p : items) ids = p.process(ids);
            return ids;
        }

        @Override
        public int leadingId() {
            for (int i = items.size() - 1; i >= 0; i--) if (items.get(i).leadingId() >= 0) return items.get(i).leadingId();
            return -1;
        }
    }

    /** ByteLevel only adjusts offsets, which mm1j does not report: the ids are unchanged. */
    record ByteLevelOffsets() implements PostProcessor {
        @Override
        public int[] process(int[] ids) {
            return ids;
        }

        @Override
        public int leadingId() {
            return -1;
        }
    }

    /**
     * TemplateProcessing's "single" template: a list of pieces, each either fixed ids (a SpecialToken) or the
     * encoded text (the sequence, represented by null).
     */
    record Template(List<int[]> pieces) implements PostProcessor {
        @Override
        public int[] process(int[] ids) {
            int n = 0;
            for (int[] p : pieces) n += p == null ? ids.length : p.length;
            int[] out = new int[n];
            int k = 0;
            for (int[] p : pieces) {
                int[] src = p == null ? ids : p;
                System.arraycopy(src, 0, out, k, src.length);
                k += src.length;
            }
            return out;
        }

        @Override
        public int leadingId() {
            return !pieces.isEmpty() && pieces.getFirst() != null && pieces.getFirst().length > 0 ? pieces.getFirst()[0] : -1;
        }
    }
}

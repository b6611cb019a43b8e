package dev.mm1j.model.generation;

import java.util.SplittableRandom;

/**
 * Picks tokens from logits following {@link SamplingParams}, with scratch allocated once per vocabulary:
 * sampling a token allocates nothing. Keeps the penalty window: call {@link #accept} for every token that
 * enters the sequence (prompt and output). Not thread-safe; one per sequence.
 */
public final class Sampler {
    private final SamplingParams p;
    private final int vocab;
    private final SplittableRandom random;
    private final int[] idx;       // [V] candidate ids
    private final float[] val;     // [V] candidate logits, then probabilities (by id)
    private final int[] counts;    // [V] occurrences in the penalty window
    private final int[] window;    // ring of the last N tokens (N = penaltyLastN, or growing for -1)
    private int[] all;             // every token, when penaltyLastN = -1
    private int windowSize;
    private int windowHead;

    public Sampler(SamplingParams p, int vocab) {
        this.p = p;
        this.vocab = vocab;
        this.random = new SplittableRandom(p.seed());
        this.idx = new int[vocab];
        this.val = new float[vocab];
        this.counts = p.hasPenalties() ? new int[vocab] : null;
        this.window = p.hasPenalties() && p.penaltyLastN() > 0 ? new int[p.penaltyLastN()] : null;
        this.all = p.hasPenalties() && p.penaltyLastN() < 0 ? new int[256] : null;
    }

    public SamplingParams params() {
        return p;
    }

    /** Records a token of the sequence (for the penalties). */
    public void accept(int token) {
        if (counts == null || token < 0 || token >= vocab) return;
        if (window != null) {
            if (windowSize == window.length) counts[window[windowHead]]--;
            else windowSize++;
            window[windowHead] = token;
            windowHead = (windowHead + 1) % window.length;
        } else {
            if (windowSize == all.length) all = java.util.Arrays.copyOf(all, all.length * 2);
            all[windowSize++] = token;
        }
        counts[token]++;
    }

    /** Records every token of {@code tokens}. */
    public void acceptAll(int[] tokens) {
        for (int t : tokens) accept(t);
    }

    /**
     * The next token for {@code logits[offset, offset + V)}; the logits are modified (penalties, temperature). Always
     * an id in [0, V): when the logits hold NaN or +infinity (before or after penalties and temperature), or the
     * kept probabilities do not sum to a positive finite number, it falls back to {@link #argmax}, which skips NaN.
     */
    public int sample(float[] logits, int offset) {
        if (counts != null) applyPenalties(logits, offset);
        if (p.isGreedy()) return argmax(logits, offset, vocab);
        float invT = 1f / p.temperature(); // finite: the temperature is at least GREEDY_BELOW
        int n = vocab;
        boolean finite = true;
        for (int i = 0; i < n; i++) {
            float v = logits[offset + i] * invT;
            idx[i] = i;
            val[i] = v;
            finite &= v == v && v != Float.POSITIVE_INFINITY; // -infinity is a masked token: probability 0
        }
        if (!finite) return argmax(logits, offset, vocab);
        // top-k: the k largest to the front (quickselect), then sorted if a later filter needs the order
        int k = p.topK() > 0 && p.topK() < n ? p.topK() : n;
        if (k < n) select(k, n);
        n = k;
        boolean needOrder = p.topP() < 1f;
        if (needOrder) sortDescending(0, n - 1);
        // softmax over the candidates (val becomes unnormalised probabilities, by candidate position)
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, val[idx[i]]);
        if (max == Float.NEGATIVE_INFINITY) return argmax(logits, offset, vocab); // every candidate masked
        double sum = 0;
        for (int i = 0; i < n; i++) sum += val[idx[i]] = (float) Math.exp(val[idx[i]] - max);
        // top-p: the shortest sorted prefix reaching p
        if (needOrder) {
            double cum = 0, limit = p.topP() * sum;
            for (int i = 0; i < n; i++) {
                cum += val[idx[i]];
                if (cum >= limit) {
                    n = i + 1;
                    sum = cum;
                    break;
                }
            }
        }
        // min-p: relative to the most likely candidate (probability exp(0) = 1 before normalising)
        if (p.minP() > 0) {
            float floor = p.minP(); // the top candidate has unnormalised probability 1
            int kept = 0;
            sum = 0;
            for (int i = 0; i < n; i++) {
                if (val[idx[i]] >= floor) {
                    idx[kept++] = idx[i];
                    sum += val[idx[i]];
                }
            }
            n = kept;
        }
        if (n == 0 || !(sum > 0) || Double.isInfinite(sum)) return argmax(logits, offset, vocab);
        // the draw
        double u = random.nextDouble() * sum;
        for (int i = 0; i < n; i++) {
            u -= val[idx[i]];
            if (u < 0) return idx[i];
        }
        return idx[n - 1];
    }

    private void applyPenalties(float[] logits, int offset) {
        int size = windowSize;
        int[] ring = window != null ? window : all;
        for (int i = 0; i < size; i++) {
            int t = ring[i];
            int c = counts[t];
            if (c <= 0) continue; // already penalised (marked below)
            float l0 = logits[offset + t], l = l0;
            if (p.repetitionPenalty() != 1f) l = l > 0 ? l / p.repetitionPenalty() : l * p.repetitionPenalty();
            l -= p.presencePenalty() + c * p.frequencyPenalty();
            if (l != l && l0 == l0) l = (float) penalisedWide(l0, c); // infinity minus infinity: no NaN from a number
            logits[offset + t] = l;
            counts[t] = -c; // mark as done for this call
        }
        for (int i = 0; i < size; i++) {
            int t = ring[i];
            if (counts[t] < 0) counts[t] = -counts[t];
        }
    }

    /** The penalties in double precision, where presence + count · frequency cannot overflow. */
    private double penalisedWide(float logit, int count) {
        double l = logit;
        if (p.repetitionPenalty() != 1f) l = l > 0 ? l / p.repetitionPenalty() : l * p.repetitionPenalty();
        return l - (p.presencePenalty() + count * (double) p.frequencyPenalty());
    }

    /** Argmax of x[off, off + n), ties to the lowest index; NaN never wins (0 when every value is NaN). */
    public static int argmax(float[] x, int off, int n) {
        int best = -1;
        float bv = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            if (v > bv || (best < 0 && v == v)) {
                bv = v;
                best = i;
            }
        }
        return Math.max(best, 0);
    }

    /** "a ranks before b": larger value first, then lower id. */
    private boolean before(int a, int b) {
        float va = val[a], vb = val[b];
        return va > vb || (va == vb && a < b);
    }

    /** Moves the k best candidates of idx[0, n) to idx[0, k) (Hoare quickselect). */
    private void select(int k, int n) {
        int lo = 0, hi = n - 1;
        while (lo < hi) {
            int pivot = idx[lo + ((hi - lo) >>> 1)];
            int i = lo, j = hi;
            while (i <= j) {
                while (before(idx[i], pivot)) i++;
                while (before(pivot, idx[j])) j--;
                if (i <= j) {
                    int t = idx[i];
                    idx[i++] = idx[j];
                    idx[j--] = t;
                }
            }
            if (k - 1 <= j) hi = j;
            else if (k - 1 >= i) lo = i;
            else break;
        }
    }

    /** Sorts idx[lo, hi] best first (quicksort, insertion sort for short ranges). */
    private void sortDescending(int lo, int hi) {
        while (hi - lo > 16) {
            int pivot = idx[lo + ((hi - lo) >>> 1)];
            int i = lo, j = hi;
            while (i <= j) {
                while (before(idx[i], pivot)) i++;
                while (before(pivot, idx[j])) j--;
                if (i <= j) {
                    int t = idx[i];
                    idx[i++] = idx[j];
                    idx[j--] = t;
                }
            }
            if (j - lo < hi - i) {
                sortDescending(lo, j);
                lo = i;
            } else {
                sortDescending(i, hi);
                hi = j;
            }
        }
        for (int i = lo + 1; i <= hi; i++) {
            int x = idx[i], j = i - 1;
            while (j >= lo && before(x, idx[j])) {
                idx[j + 1] = idx[j];
                j--;
            }
            idx[j + 1] = x;
        }
    }
}

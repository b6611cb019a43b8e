package dev.mm1j.model.text;

/**
 * Host-side MoE routing for up to {@code capacity} rows, with preallocated scratch: per row, softmax over the
 * router logits (F32), the top k experts (ties: lower index first), weights divided by their sum unless
 * {@code norm_topk_prob} is false (then the softmax probabilities themselves); then the
 * (row, weight) pairs grouped by expert in row order (a counting sort), ready to upload.
 */
final class MoeRouting {
    private final float[] probs;     // [E]
    private final int[] chosen;      // [R·k]
    private final float[] chosenW;   // [R·k]
    private final int[] start;       // [E + 1] group offsets
    private final int[] fill;        // [E]
    private final int[] groupRow;    // [R·k]
    private final float[] groupW;    // [R·k]

    MoeRouting(int capacity, int experts, int topK) {
        probs = new float[experts];
        chosen = new int[capacity * topK];
        chosenW = new float[capacity * topK];
        start = new int[experts + 1];
        fill = new int[experts];
        groupRow = new int[capacity * topK];
        groupW = new float[capacity * topK];
    }

    /** Routes rows [0, n) of {@code logits} (row-major [n, E]); {@code normalize}: divide the k weights by their sum. */
    void route(float[] logits, int n, int experts, int k, boolean normalize) {
        java.util.Arrays.fill(start, 0);
        for (int t = 0; t < n; t++) {
            int base = t * experts;
            float max = Float.NEGATIVE_INFINITY;
            for (int e = 0; e < experts; e++) max = Math.max(max, logits[base + e]);
            float sum = 0;
            for (int e = 0; e < experts; e++) sum += probs[e] = (float) Math.exp(logits[base + e] - max);
            for (int e = 0; e < experts; e++) probs[e] /= sum;
            float top = 0;
            for (int j = 0; j < k; j++) {
                int best = -1;
                for (int e = 0; e < experts; e++) if (probs[e] >= 0 && (best < 0 || probs[e] > probs[best])) best = e;
                if (best < 0) throw new dev.mm1j.core.Mm1jException("[moe] the router logits of row " + t + " are not finite");
                chosen[t * k + j] = best;
                chosenW[t * k + j] = probs[best];
                top += probs[best];
                probs[best] = -1f; // taken
                start[best + 1]++;
            }
            if (normalize) for (int j = 0; j < k; j++) chosenW[t * k + j] /= top;
        }
        for (int e = 0; e < experts; e++) {
            start[e + 1] += start[e];
            fill[e] = start[e];
        }
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < k; j++) {
                int e = chosen[t * k + j], at = fill[e]++;
                groupRow[at] = t;
                groupW[at] = chosenW[t * k + j];
            }
        }
    }

    /** Rows routed to expert {@code e}. */
    int count(int e) {
        return start[e + 1] - start[e];
    }

    /** Expert e's rows (ascending) and weights into {@code rows[0, count)} and {@code weights[0, count)}. */
    void stage(int e, int[] rows, float[] weights) {
        int c = count(e);
        System.arraycopy(groupRow, start[e], rows, 0, c);
        System.arraycopy(groupW, start[e], weights, 0, c);
    }

    /** Expert of row t's j-th choice (tests). */
    int chosen(int t, int j, int k) {
        return chosen[t * k + j];
    }

    /** Weight of row t's j-th choice (tests). */
    float chosenWeight(int t, int j, int k) {
        return chosenW[t * k + j];
    }
}

package dev.mm1j.core.backend.reference;

import dev.mm1j.core.Tensor;
import java.util.Arrays;
import java.util.Comparator;

/** The indexing family, reference: row gather, row scatter, top-k, scatter-add. */
final class RefIndexing {
    private RefIndexing() {}

    /** out[t, :] = table[ids[t], :] (dequantized). */
    static void getRows(Tensor out, Tensor table, Tensor ids) {
        int[] id = ids.toIntArray();
        int d = (int) table.dim(1);
        float[] row = new float[d];
        for (int t = 0; t < id.length; t++) {
            if (id[t] < 0 || id[t] >= table.dim(0)) {
                throw new IndexOutOfBoundsException("[get_rows] id " + id[t] + " outside table " + table);
            }
            Strided.readRow(table, table.offset() + id[t] * table.stride(0), table.stride(1), row, d);
            for (int j = 0; j < d; j++) Strided.set(out, new long[] {t, j}, row[j]);
        }
    }

    /** The k largest of each row, descending; ties go to the lower index. */
    static void topK(Tensor values, Tensor indices, Tensor x, int k) {
        long r = x.dim(0), c = x.dim(1);
        for (long i = 0; i < r; i++) {
            final long row = i;
            Integer[] order = new Integer[(int) c];
            for (int j = 0; j < c; j++) order[j] = j;
            float[] v = new float[(int) c];
            for (int j = 0; j < c; j++) v[j] = Strided.get(x, new long[] {row, j});
            Arrays.sort(order, Comparator.comparingDouble((Integer j) -> -v[j]).thenComparingInt(j -> j));
            for (int j = 0; j < k; j++) {
                Strided.set(values, new long[] {i, j}, v[order[j]]);
                Strided.setInt(indices, Strided.offset(indices, new long[] {i, j}), order[j]);
            }
        }
    }

    /** out[ids[t], :] = src[t, :], rounded to out's dtype. */
    static void setRows(Tensor out, Tensor src, Tensor ids) {
        int[] id = ids.toIntArray();
        long d = src.dim(1);
        for (int t = 0; t < id.length; t++) {
            if (id[t] < 0 || id[t] >= out.dim(0)) throw new IndexOutOfBoundsException("[set_rows] id " + id[t] + " outside " + out);
            for (long j = 0; j < d; j++) Strided.set(out, new long[] {id[t], j}, Strided.get(src, new long[] {t, j}));
        }
    }

    /** out[ids[i], :] += weights[i] · src[i, :]. */
    static void indexAdd(Tensor out, Tensor src, Tensor ids, Tensor weights) {
        int[] id = ids.toIntArray();
        float[] w = weights == null ? null : weights.toFloatArray();
        long d = src.dim(1);
        for (int i = 0; i < id.length; i++) {
            if (id[i] < 0 || id[i] >= out.dim(0)) throw new IndexOutOfBoundsException("[index_add] id " + id[i] + " outside " + out);
            for (long j = 0; j < d; j++) {
                long[] o = {id[i], j};
                float s = Strided.get(src, new long[] {i, j});
                Strided.set(out, o, Strided.get(out, o) + (w == null ? s : w[i] * s));
            }
        }
    }
}

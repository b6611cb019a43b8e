package dev.mm1j.spark;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * One task's rows through the executor's model: up to {@code parallel} rows are in the engine at once (their
 * images decoded on the task thread, then batched with every other task's rows of this executor), and rows come
 * out in input order, each with its columns followed by {@code answer, tokens, error} and, with timings,
 * {@code image_ms, answer_ms}.
 */
final class AnswerPartition implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    private final int imageIndex;
    private final int questionIndex;
    private final Mm1SparkOptions options;

    AnswerPartition(int imageIndex, int questionIndex, Mm1SparkOptions options) {
        this.imageIndex = imageIndex;
        this.questionIndex = questionIndex;
        this.options = options;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        ModelAdapter model = ExecutorModels.get(options);
        ArrayDeque<Row> rows = new ArrayDeque<>();
        ArrayDeque<ModelAdapter.Pending> pending = new ArrayDeque<>();
        TaskContext task = TaskContext.get();
        if (task != null) {
            // a killed or failed task: the engine drops its rows at the next step
            task.addTaskCompletionListener((TaskContext c) -> pending.forEach(ModelAdapter.Pending::cancel));
        }
        int window = options.parallel();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                fill();
                return !pending.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) throw new NoSuchElementException();
                Row in = rows.poll();
                ModelAdapter.Outcome o;
                try {
                    o = pending.peek().await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("mm1j-spark: interrupted while waiting for an answer", e);
                }
                pending.poll();
                return output(in, o, options.timings());
            }

            private void fill() {
                while (pending.size() < window && input.hasNext()) {
                    Row r = input.next();
                    Object image = r.isNullAt(imageIndex) ? null : r.get(imageIndex);
                    String question = r.isNullAt(questionIndex) ? null : r.getString(questionIndex);
                    pending.add(RowAnswers.submit(model, image, question));
                    rows.add(r);
                }
            }
        };
    }

    /** The input row's values followed by the answer columns ({@link Mm1Spark#ANSWER_FIELDS}). */
    static Row output(Row in, ModelAdapter.Outcome o, boolean timings) {
        int n = in.length();
        Object[] v = new Object[n + (timings ? 5 : 3)];
        for (int i = 0; i < n; i++) v[i] = in.get(i);
        v[n] = o.answer();
        v[n + 1] = o.error() == null ? o.tokens() : null;
        v[n + 2] = o.error();
        if (timings) {
            v[n + 3] = o.imageNanos() / 1e6;
            v[n + 4] = o.answerNanos() / 1e6;
        }
        return RowFactory.create(v);
    }
}

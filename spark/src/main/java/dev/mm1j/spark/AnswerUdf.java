package dev.mm1j.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF2;

/**
 * The SQL function {@code mm1_answer(image, question)}: a struct of {@code answer, tokens, error} (and the timings)
 * for one row. Spark calls a UDF row by row, so a task waits for each answer before the next row; the rows of an
 * executor's concurrent tasks are still decoded together by its engine. The DataFrame API
 * ({@link Mm1Spark#answer}) keeps {@code parallel} rows of each task in flight and is the faster of the two.
 */
final class AnswerUdf implements UDF2<Object, String, Row> {
    private static final long serialVersionUID = 1L;

    private final Mm1SparkOptions options;

    AnswerUdf(Mm1SparkOptions options) {
        this.options = options;
    }

    @Override
    public Row call(Object image, String question) throws Exception {
        ModelAdapter.Outcome o = RowAnswers.submit(ExecutorModels.get(options), image, question).await();
        Object tokens = o.error() == null ? o.tokens() : null;
        return options.timings()
            ? RowFactory.create(o.answer(), tokens, o.error(), o.imageNanos() / 1e6, o.answerNanos() / 1e6)
            : RowFactory.create(o.answer(), tokens, o.error());
    }
}

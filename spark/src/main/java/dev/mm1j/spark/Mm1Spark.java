package dev.mm1j.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * MM1 over a DataFrame: every row's image and question answered by the model, on the executors.
 *
 * <pre>{@code
 * Dataset<Row> images = spark.read().format("binaryFile").load("photos/");           // path, ..., content
 * Dataset<Row> out = Mm1Spark.answer(images.withColumn("q", lit("Describe the image.")), "content", "q",
 *                                    Mm1SparkOptions.of("/shared/models/mm1-demo"));
 * out.select("path", "answer", "error").write().parquet("answers/");
 *
 * Mm1Spark.register(spark, Mm1SparkOptions.of("/shared/models/mm1-demo"));
 * spark.sql("SELECT path, mm1_answer(content, 'How many shapes are there?').answer FROM photos");
 * }</pre>
 *
 * <p>The image column is binary (the encoded PNG/JPEG/BMP/GIF: {@code binaryFile}'s {@code content} or any bytes
 * column) or a string (a path any executor can read: local, {@code hdfs:}, {@code s3a:} ...). Each executor JVM
 * opens the model once, from storage, and its tasks share it; rows are decoded together by the continuous-batching
 * engine of {@code mm1j serve}. A bad row (no image, an undecodable image, a question too long for the context)
 * gets a null answer and an {@code error}; the job goes on. Answers are greedy, so a re-run gives the same output.
 */
public final class Mm1Spark {
    /** The columns added to every row: the answer, its generated tokens, and the error of a failed row. */
    public static final List<String> ANSWER_FIELDS = List.of("answer", "tokens", "error");
    /** The timing columns (with {@link Mm1SparkOptions#timings}): decoding the image, and submission to answer. */
    public static final List<String> TIMING_FIELDS = List.of("image_ms", "answer_ms");
    /** The SQL function {@link #register} defines. */
    public static final String SQL_FUNCTION = "mm1_answer";

    private Mm1Spark() {}

    /**
     * {@code df} with the answer columns appended ({@code answer} string, {@code tokens} int, {@code error} string;
     * with timings {@code image_ms}, {@code answer_ms} double). Lazy, like any transformation: the model runs when
     * the result is written or collected.
     *
     * @throws IllegalArgumentException when a column is missing, has the wrong type, or the output would repeat a
     *                                  column name
     */
    public static Dataset<Row> answer(Dataset<Row> df, String imageColumn, String questionColumn, Mm1SparkOptions options) {
        StructType in = df.schema();
        int image = column(in, imageColumn, "image", DataTypes.BinaryType, DataTypes.StringType);
        int question = column(in, questionColumn, "question", DataTypes.StringType);
        StructType out = in;
        for (StructField f : answerFields(options.timings())) {
            if (Arrays.asList(in.fieldNames()).contains(f.name())) {
                throw new IllegalArgumentException("mm1j-spark: the input already has a column '" + f.name() + "'; rename it (the output adds "
                    + String.join(", ", names(options.timings())) + ")");
            }
            out = out.add(f);
        }
        return df.mapPartitions(new AnswerPartition(image, question, options), Encoders.row(out));
    }

    /**
     * Defines the SQL function {@code mm1_answer(image, question)} in {@code spark}: a struct with the fields of
     * {@link #answer}'s added columns. The image argument is binary or a path string.
     */
    public static void register(SparkSession spark, Mm1SparkOptions options) {
        StructType t = new StructType(answerFields(options.timings()).toArray(StructField[]::new));
        // nondeterministic: the optimizer never evaluates it twice for one row (e.g. for .answer and .error)
        spark.udf().register(SQL_FUNCTION, org.apache.spark.sql.functions.udf(new AnswerUdf(options), t).asNondeterministic());
    }

    static List<StructField> answerFields(boolean timings) {
        List<StructField> f = new ArrayList<>(List.of(
            DataTypes.createStructField("answer", DataTypes.StringType, true),
            DataTypes.createStructField("tokens", DataTypes.IntegerType, true),
            DataTypes.createStructField("error", DataTypes.StringType, true)));
        if (timings) {
            f.add(DataTypes.createStructField("image_ms", DataTypes.DoubleType, true));
            f.add(DataTypes.createStructField("answer_ms", DataTypes.DoubleType, true));
        }
        return f;
    }

    private static List<String> names(boolean timings) {
        List<String> n = new ArrayList<>(ANSWER_FIELDS);
        if (timings) n.addAll(TIMING_FIELDS);
        return n;
    }

    private static int column(StructType schema, String name, String what, DataType... types) {
        if (name == null) throw new IllegalArgumentException("mm1j-spark: the " + what + " column name is null");
        int i = Arrays.asList(schema.fieldNames()).indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("mm1j-spark: no " + what + " column '" + name + "' in the input (columns: "
                + String.join(", ", schema.fieldNames()) + ")");
        }
        DataType t = schema.fields()[i].dataType();
        if (!Arrays.asList(types).contains(t)) {
            List<String> ok = Arrays.stream(types).map(DataType::simpleString).toList();
            throw new IllegalArgumentException("mm1j-spark: the " + what + " column '" + name + "' is " + t.simpleString() + "; it must be "
                + String.join(" or ", ok) + (types.length > 1 ? " (the encoded image, or its path)" : ""));
        }
        return i;
    }
}

package dev.mm1j.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The job of {@code mm1j batch}: a folder of images (paths listed here, files read by the executors) or a
 * Parquet table, one question for every row or a question column, answered by {@link Mm1Spark#answer} and
 * written as Parquet or JSON lines. The output is the same on every run: rows are answered greedily, spread
 * over the partitions by a hash of the image path (or as the Parquet input is split) and sorted by path within
 * each partition.
 *
 * @param images         a folder of images (every file under it, recursively), or null
 * @param input          a Parquet file or folder, or null
 * @param imageColumn    the Parquet input's image column (binary or path); null: image, content or path
 * @param question       the question asked about every image, or null
 * @param questionColumn the Parquet input's question column, or null
 * @param out            the output folder
 * @param format         parquet or jsonl
 * @param partitions     partitions to spread the rows over (0: about 128 rows each, at least 2 per core: a task
 *                       keeps {@code parallel} rows in the engine, and its last rows drain without new ones, so
 *                       tasks of many windows keep the batch full; progress moves as partitions finish)
 * @param overwrite      replace an existing output folder
 */
record BatchJob(String images, String input, String imageColumn, String question, String questionColumn, String out, String format,
                int partitions, boolean overwrite, Mm1SparkOptions options) {

    /**
     * What the job did: rows, error rows, seconds from the first row's task to the output's last file, and the
     * seconds before it (listing or counting the input and Spark's first query planning; Spark's startup excluded).
     */
    record Summary(long rows, long errors, double seconds, double listSeconds) {}

    static final String QUESTION = "question";

    Summary run(SparkSession spark, BatchProgress progress) throws InterruptedException {
        long t0 = System.nanoTime();
        Dataset<Row> df;
        String image;
        long listed = -1;
        if (images != null) {
            List<Row> files = listFiles(spark, images);
            listed = files.size();
            df = spark.createDataFrame(files, new StructType().add("path", DataTypes.StringType, false));
            image = "path";
        } else {
            Dataset<Row> table = spark.read().parquet(input);
            List<String> cols = Arrays.asList(table.columns());
            image = imageColumn != null ? imageColumn : Stream.of("image", "content", "path").filter(cols::contains).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("mm1j batch: " + input + " has no column image, content or path; name the image column "
                    + "with --image-column (columns: " + String.join(", ", cols) + ")"));
            df = table;
        }
        String q = questionColumn;
        if (q == null) {
            q = Arrays.asList(df.columns()).contains(QUESTION) ? "mm1j_question" : QUESTION;
            df = df.withColumn(q, lit(question));
        }
        long rows = listed >= 0 ? listed : df.count();
        double listSeconds = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        progress.start(rows);
        int n = partitions > 0 ? partitions : (int) Math.max(2L * spark.sparkContext().defaultParallelism(), (rows + 127) / 128);
        if (images != null) df = df.repartition(n, col("path")).sortWithinPartitions("path");
        else if (df.rdd().getNumPartitions() < n) df = df.repartition(n);
        Dataset<Row> answered = Mm1Spark.answer(df, image, q, options);
        boolean bytes = answered.schema().apply(image).dataType().equals(DataTypes.BinaryType);
        if (bytes) answered = answered.drop(image); // the image bytes are not written back
        // the error rows, counted as the rows are written (from the successful tasks only, so retries do not count twice)
        Observation observed = new Observation("mm1j-batch");
        answered = answered.observe(observed, count(col("error")).as("errors"));
        var w = answered.write().mode(overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists);
        switch (format) {
            case "parquet" -> w.parquet(out);
            case "jsonl" -> w.option("ignoreNullFields", "false").json(out);
            default -> throw new IllegalArgumentException("mm1j batch: --format must be parquet or jsonl, got '" + format + "'");
        }
        double s = (System.nanoTime() - t1) / 1e9;
        progress.finish();
        Object errors = observed.getAsJava().get("errors");
        return new Summary(rows, errors instanceof Long l ? l : -1, s, listSeconds);
    }

    /**
     * Every file under {@code dir}, recursively, as rows of one column, {@code path} (listed here rather than with
     * Spark's binaryFile source, which skips empty files: an empty file must become an error row).
     */
    static List<Row> listFiles(SparkSession spark, String dir) {
        List<Row> rows = new ArrayList<>();
        try {
            java.nio.file.Path local = ImageBytes.localPath(dir);
            if (local != null) {
                // java.nio: Hadoop's local listing reads each file's permissions by running a process without its native library
                try (Stream<java.nio.file.Path> s = Files.walk(local)) {
                    for (java.nio.file.Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                        if (visible(f.getFileName().toString())) rows.add(RowFactory.create(f.toUri().toString()));
                    }
                }
                return rows;
            }
            org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(dir);
            FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
            ArrayDeque<org.apache.hadoop.fs.Path> todo = new ArrayDeque<>(List.of(root));
            while (!todo.isEmpty()) {
                for (FileStatus f : fs.listStatus(todo.poll())) {
                    if (!visible(f.getPath().getName())) continue;
                    if (f.isDirectory()) todo.add(f.getPath());
                    else rows.add(RowFactory.create(f.getPath().toString()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("mm1j batch: cannot list " + dir + ": " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException("mm1j batch: cannot list " + dir + ": " + e.getCause().getMessage(), e.getCause());
        }
        return rows;
    }

    /** Hidden files and Spark's own markers ({@code _SUCCESS}) are not images. */
    private static boolean visible(String name) {
        return !name.startsWith(".") && !name.startsWith("_");
    }

    static final List<String> FORMATS = List.of("parquet", "jsonl");

    String describe() {
        return String.format(Locale.ROOT, "%s -> %s (%s)", images != null ? images : input, out, format);
    }
}

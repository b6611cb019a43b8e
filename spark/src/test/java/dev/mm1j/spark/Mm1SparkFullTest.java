package dev.mm1j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proof in local mode ({@code -Pspark-full}): 200 generated images, each with its own question, plus a
 * truncated PNG, an empty file and a text file. Every good row's answer equals the Mm1 API's ({@code mm1j run});
 * the bad files are error rows and the job completes; a re-run gives the same rows; {@code mm1j batch} writes
 * byte-identical files on two runs.
 */
@Tag("spark-full")
class Mm1SparkFullTest {
    static final int IMAGES = 200;
    static final String BATCH_QUESTION = "How many shapes are there?";

    @TempDir
    static Path tmp;
    static SparkSession spark;
    static List<ShapesWorld.Case> cases;
    static List<Path> bad;
    static Map<String, String> expected;

    @BeforeAll
    static void start() throws Exception {
        cases = ShapesWorld.write(tmp.resolve("images"), IMAGES, 2026);
        bad = Reference.badFiles(tmp.resolve("images"), cases.getFirst().image());
        expected = Reference.answers(cases);
        spark = SparkSessions.builder("local[2]", "Mm1SparkFullTest").getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
    }

    /** (path, question) for the 200 images and the three bad files. */
    static Dataset<Row> table(SparkSession s, List<ShapesWorld.Case> cases, List<Path> bad) {
        List<Row> rows = new ArrayList<>();
        for (ShapesWorld.Case c : cases) rows.add(RowFactory.create(c.image().toString(), c.question()));
        for (Path b : bad) rows.add(RowFactory.create(b.toString(), "Describe the image."));
        return s.createDataFrame(rows, new StructType().add("path", DataTypes.StringType).add("question", DataTypes.StringType)).repartition(8);
    }

    /** (answer, tokens, error) by file name. */
    static Map<String, List<Object>> results(Dataset<Row> out) {
        Map<String, List<Object>> m = new TreeMap<>();
        for (Row r : out.select("path", "answer", "tokens", "error").collectAsList()) {
            m.put(Path.of(r.getString(0)).getFileName().toString(), java.util.Arrays.asList(r.get(1), r.get(2), r.get(3)));
        }
        return m;
    }

    static void checkAgainstRun(Map<String, List<Object>> got, Map<String, String> expected) {
        assertEquals(IMAGES + 3, got.size());
        int same = 0;
        List<String> differ = new ArrayList<>();
        for (var e : expected.entrySet()) {
            List<Object> r = got.get(e.getKey());
            if (e.getValue().equals(r.get(0)) && r.get(2) == null) same++;
            else differ.add(e.getKey() + ": run '" + e.getValue() + "', spark " + r);
        }
        assertEquals(List.of(), differ, "answers that differ from mm1j run's");
        assertEquals(IMAGES, same);
        for (String b : List.of("zz-truncated.png", "zz-empty.png", "zz-notes.png")) {
            assertNull(got.get(b).get(0), b);
            assertNotNull(got.get(b).get(2), b);
        }
    }

    @Test
    void everyRowAnswersLikeRunAndAReRunIsIdentical() {
        Mm1SparkOptions o = Mm1SparkOptions.of(Reference.demoModel().toString());
        Map<String, List<Object>> first = results(Mm1Spark.answer(table(spark, cases, bad), "path", "question", o));
        checkAgainstRun(first, expected);
        Map<String, List<Object>> again = results(Mm1Spark.answer(table(spark, cases, bad), "path", "question", o));
        assertEquals(first, again);
    }

    @Test
    void batchCommandWritesTheSameFilesTwice() throws IOException {
        Map<String, String> counted = Reference.answers(cases.stream().map(c -> new ShapesWorld.Case(c.image(), BATCH_QUESTION)).toList());
        List<Map<String, byte[]>> runs = new ArrayList<>();
        for (String out : List.of("out1", "out2")) {
            ByteArrayOutputStream stdout = new ByteArrayOutputStream(), stderr = new ByteArrayOutputStream();
            int rc = BatchMain.run(new String[] {"--images", tmp.resolve("images").toString(), "--question", BATCH_QUESTION, "--out", tmp.resolve(out).toString(),
                "--format", "jsonl", "--no-timings", "--master", "local[2]", "--model", Reference.demoModel().toString()},
                new PrintStream(stdout, true, StandardCharsets.UTF_8), new PrintStream(stderr, true, StandardCharsets.UTF_8));
            assertEquals(0, rc, stderr.toString(StandardCharsets.UTF_8));
            assertTrue(stdout.toString(StandardCharsets.UTF_8).contains((IMAGES + 3) + " rows (3 errors)"), stdout.toString(StandardCharsets.UTF_8));
            runs.add(partFiles(tmp.resolve(out)));
        }
        assertEquals(runs.get(0).keySet(), runs.get(1).keySet());
        for (String f : runs.get(0).keySet()) assertArrayEquals(runs.get(0).get(f), runs.get(1).get(f), f);
        // and the rows are mm1j run's answers
        Map<String, List<Object>> got = results(spark.read().json(tmp.resolve("out1").toString()));
        checkAgainstRun(got, counted);
    }

    @Test
    void batchCommandReadsAParquetTableWithAQuestionColumn() {
        String in = tmp.resolve("table.parquet").toString(), out = tmp.resolve("from-table").toString();
        table(spark, cases, bad).write().parquet(in);
        ByteArrayOutputStream stdout = new ByteArrayOutputStream(), stderr = new ByteArrayOutputStream();
        int rc = BatchMain.run(new String[] {"--input", in, "--question-column", "question", "--out", out, "--master", "local[2]",
            "--model", Reference.demoModel().toString()}, new PrintStream(stdout, true, StandardCharsets.UTF_8), new PrintStream(stderr, true, StandardCharsets.UTF_8));
        assertEquals(0, rc, stderr.toString(StandardCharsets.UTF_8));
        Dataset<Row> written = spark.read().parquet(out);
        assertEquals(List.of("path", "question", "answer", "tokens", "error", "image_ms", "answer_ms"), List.of(written.columns()));
        checkAgainstRun(results(written), expected);
    }

    static Map<String, byte[]> partFiles(Path dir) throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith("part-")).toList()) {
                // part file names carry a per-run job id: key them by partition number
                m.put(p.getFileName().toString().substring(0, 10), Files.readAllBytes(p));
            }
        }
        return m;
    }
}

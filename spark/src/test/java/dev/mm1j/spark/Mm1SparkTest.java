package dev.mm1j.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default run's Spark test (one local[2] session, a dozen images): the DataFrame API over Spark's binaryFile
 * source and over paths, the SQL function, and bad rows (a truncated PNG, an empty file, a text file, a missing
 * path, a null image, a question too long for the context) as error rows while the job completes. Every good
 * row's answer is the one the Mm1 API (what {@code mm1j run} calls) gives for the same image and question.
 */
class Mm1SparkTest {
    @TempDir
    static Path tmp;
    static SparkSession spark;
    static List<ShapesWorld.Case> cases;
    static Map<String, String> expected;
    static Map<String, String> questions = new HashMap<>();
    static Path images;

    @BeforeAll
    static void start() throws Exception {
        images = tmp.resolve("images");
        cases = ShapesWorld.write(images, 12, 7);
        expected = Reference.answers(cases);
        for (ShapesWorld.Case c : cases) questions.put(c.image().getFileName().toString(), c.question());
        for (Path bad : Reference.badFiles(images, cases.getFirst().image())) questions.put(bad.getFileName().toString(), "Describe the image.");
        spark = SparkSessions.builder("local[2]", "Mm1SparkTest").getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
    }

    static Mm1SparkOptions options() {
        return Mm1SparkOptions.of(Reference.demoModel().toString()).parallel(8);
    }

    /** The file names and their questions as a DataFrame (name, question). */
    static Dataset<Row> questionTable() {
        List<Row> rows = new ArrayList<>();
        questions.forEach((k, v) -> rows.add(RowFactory.create(k, v)));
        StructType t = new StructType().add("name", DataTypes.StringType).add("question", DataTypes.StringType);
        return spark.createDataFrame(rows, t);
    }

    @Test
    void binaryFileRowsAnswerLikeRunAndBadFilesAreErrorRows() {
        Dataset<Row> files = spark.read().format("binaryFile").load(images.toString())
            .withColumn("name", regexp_extract(col("path"), "[^/]+$", 0))
            .join(questionTable(), "name");
        Dataset<Row> out = Mm1Spark.answer(files, "content", "question", options());
        List<String> cols = List.of(out.columns());
        assertTrue(cols.containsAll(List.of("path", "content", "answer", "tokens", "error", "image_ms", "answer_ms")), cols.toString());
        Map<String, Row> byName = new HashMap<>();
        for (Row r : out.drop("content").collectAsList()) byName.put(r.getAs("name"), r);
        // Spark's file sources skip empty files: zz-empty.png is not a row here (an empty bytes cell is, below)
        assertEquals(questions.size() - 1, byName.size());
        for (var e : expected.entrySet()) {
            Row r = byName.get(e.getKey());
            assertNull(r.getAs("error"), e.getKey());
            assertEquals(e.getValue(), r.getAs("answer"), e.getKey() + ": " + questions.get(e.getKey()));
            assertTrue((Integer) r.getAs("tokens") > 0);
            assertTrue((Double) r.getAs("answer_ms") > 0);
        }
        assertError(byName.get("zz-notes.png"), "not an image");
        assertError(byName.get("zz-truncated.png"), "truncated");
    }

    @Test
    void pathRowsNullsAndOverlongQuestionsAreErrorRows() {
        String first = cases.getFirst().image().toString();
        List<Row> rows = List.of(
            RowFactory.create("ok", first, cases.getFirst().question()),
            RowFactory.create("missing", images.resolve("nope.png").toString(), "Describe the image."),
            RowFactory.create("null image", null, "Describe the image."),
            RowFactory.create("null question", first, null),
            RowFactory.create("too long", first, "Is there a red circle? ".repeat(60)),
            RowFactory.create("placeholder", first, "What is <image> here?"));
        StructType t = new StructType().add("id", DataTypes.StringType).add("file", DataTypes.StringType).add("q", DataTypes.StringType);
        Map<String, Row> byId = new HashMap<>();
        for (Row r : Mm1Spark.answer(spark.createDataFrame(rows, t), "file", "q", options().timings(false)).collectAsList()) byId.put(r.getString(0), r);
        assertEquals(List.of("id", "file", "q", "answer", "tokens", "error"), List.of(byId.get("ok").schema().fieldNames()));
        assertEquals(expected.get(cases.getFirst().image().getFileName().toString()), byId.get("ok").getAs("answer"));
        assertError(byId.get("missing"), "no such file");
        assertError(byId.get("null image"), "no image");
        assertError(byId.get("null question"), "no question");
        assertError(byId.get("too long"), "context");
        // an image placeholder typed in the question is text, as in mm1j serve without --parse-special: the row is
        // answered with the image from the image column
        assertNull(byId.get("placeholder").getAs("error"));
        assertNotNull(byId.get("placeholder").getAs("answer"));
    }

    @Test
    void emptyAndNullBytesAreErrorRows() {
        List<Row> rows = List.of(RowFactory.create(1, new byte[0]), RowFactory.create(2, (Object) null), RowFactory.create(3, new byte[] {1, 2, 3}));
        StructType t = new StructType().add("id", DataTypes.IntegerType).add("image", DataTypes.BinaryType);
        Dataset<Row> df = spark.createDataFrame(rows, t).withColumn("q", org.apache.spark.sql.functions.lit("Describe the image."));
        List<Row> out = Mm1Spark.answer(df, "image", "q", options()).orderBy("id").collectAsList();
        assertError(out.get(0), "empty");
        assertError(out.get(1), "no image");
        assertError(out.get(2), "not an image");
    }

    @Test
    void sqlFunctionAnswersLikeTheDataFrameApi() {
        Mm1Spark.register(spark, options());
        spark.read().format("binaryFile").load(images.toString())
            .withColumn("name", regexp_extract(col("path"), "[^/]+$", 0))
            .join(questionTable(), "name").createOrReplaceTempView("shapes");
        List<Row> rows = spark.sql("SELECT name, r.answer, r.error FROM (SELECT name, mm1_answer(content, question) AS r FROM shapes)").collectAsList();
        assertEquals(questions.size() - 1, rows.size());
        for (Row r : rows) {
            String want = expected.get(r.getString(0));
            if (want != null) assertEquals(want, r.getString(1), r.getString(0));
            else assertNotNull(r.getString(2), r.getString(0) + " should be an error row");
        }
    }

    @Test
    void wrongColumnsAreRefusedWithTheirNames() {
        Dataset<Row> df = spark.range(3).toDF("n").withColumn("q", org.apache.spark.sql.functions.lit("Describe the image."));
        var e = assertThrows(IllegalArgumentException.class, () -> Mm1Spark.answer(df, "n", "q", options()));
        assertTrue(e.getMessage().contains("'n' is bigint; it must be binary or string"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Mm1Spark.answer(df, "img", "q", options()));
        assertTrue(e.getMessage().contains("no image column 'img'"), e.getMessage());
    }

    static void assertError(Row r, String contains) {
        assertNotNull(r);
        assertNull(r.getAs("answer"));
        assertNull(r.getAs("tokens"));
        String err = r.getAs("error");
        assertNotNull(err);
        assertTrue(err.contains(contains), "error '" + err + "' should mention '" + contains + "'");
    }
}

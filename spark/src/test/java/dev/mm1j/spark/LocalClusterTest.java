package dev.mm1j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code local-cluster[2,1,1024]}: two executor JVMs started by in-process workers from this build (no Spark
 * distribution; see {@link SparkSessions}). Each executor's log shows the model opened once, though it runs
 * several tasks, and the output equals the local run's.
 */
@Tag("spark-full")
class LocalClusterTest {
    @TempDir
    static Path tmp;

    @Test
    void twoExecutorsOpenTheModelOnceEachAndAnswerLikeLocalMode() throws Exception {
        List<ShapesWorld.Case> cases = ShapesWorld.write(tmp.resolve("images"), Mm1SparkFullTest.IMAGES, 2026);
        List<Path> bad = Reference.badFiles(tmp.resolve("images"), cases.getFirst().image());
        Mm1SparkOptions o = Mm1SparkOptions.of(Reference.demoModel().toString());

        Map<String, List<Object>> local;
        try (SparkSession s = SparkSessions.builder("local[2]", "LocalClusterTest-local").getOrCreate()) {
            local = Mm1SparkFullTest.results(Mm1Spark.answer(Mm1SparkFullTest.table(s, cases, bad), "path", "question", o));
        }
        Map<String, List<Object>> cluster;
        String app;
        try (SparkSession s = SparkSessions.builder("local-cluster[2,1,1024]", "LocalClusterTest-cluster")
                 .config("spark.scheduler.minRegisteredResourcesRatio", "1.0")
                 .config("spark.scheduler.maxRegisteredResourcesWaitingTime", "120s")
                 .config("spark.executor.extraJavaOptions", "-Dlog4j2.configurationFile="
                     + Path.of(LocalClusterTest.class.getResource("/log4j2-executor.properties").toURI()))
                 .getOrCreate()) {
            app = s.sparkContext().applicationId();
            cluster = Mm1SparkFullTest.results(Mm1Spark.answer(Mm1SparkFullTest.table(s, cases, bad), "path", "question", o));
            assertEquals(2, s.sparkContext().getExecutorMemoryStatus().size() - 1, "executors besides the driver");
        }
        assertEquals(local, cluster);
        Mm1SparkFullTest.checkAgainstRun(cluster, Reference.answers(cases));

        // each executor's log: one "opened model" line, and tasks run there
        Path work = SparkSessions.workDir().toPath().resolve(app);
        Map<String, Integer> opened = new TreeMap<>();
        try (Stream<Path> dirs = Files.list(work)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                String log = Files.readString(d.resolve("stderr"));
                int n = count(log, "opened model");
                opened.put(d.getFileName().toString(), n);
                System.out.println("executor " + d.getFileName() + ": opened the model " + n + " time(s), ran " + count(log, "Running task") + " tasks; "
                    + log.lines().filter(l -> l.contains("opened model")).findFirst().orElse(""));
            }
        }
        assertEquals(2, opened.size(), "executor logs in " + work + ": " + opened);
        for (var e : opened.entrySet()) assertEquals(1, e.getValue(), "executor " + e.getKey() + " opened the model " + e.getValue() + " times");
    }

    static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) n++;
        return n;
    }

}

package dev.mm1j.spark;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * Starts the Spark session of {@code mm1j batch} and the tests. {@code local[*]} and cluster masters need nothing
 * but the jars; {@code local-cluster[workers, cores, MiB]} (real executor JVMs started by in-process workers, the
 * way Spark tests itself) needs what a Spark distribution would give, which this sets up from the build:
 * <ul>
 *   <li>{@code SPARK_HOME} (read by the workers from the environment) must name a folder with a {@code jars/}
 *       subfolder; bin/mm1j and the spark module's tests point it at {@code spark/target/spark-home}, and the
 *       folder is created here when missing;</li>
 *   <li>the executors' class path is this JVM's ({@code spark.executor.extraClassPath}), which holds Spark, mm1j
 *       and the model's jars, so the {@code jars/} folder may stay empty;</li>
 *   <li>the launcher asks for the Scala version of the build ({@code SPARK_SCALA_VERSION}, passed to the
 *       executors' environment).</li>
 * </ul>
 */
public final class SparkSessions {
    private SparkSessions() {}

    public static SparkSession.Builder builder(String master, String appName) {
        SparkSession.Builder b = SparkSession.builder().master(master).appName(appName)
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false");
        if (master.startsWith("local-cluster")) {
            String home = System.getenv("SPARK_HOME");
            if (home == null || home.isBlank()) {
                throw new IllegalStateException("mm1j-spark: --master " + master + " needs SPARK_HOME set to a folder with a jars/ subfolder "
                    + "(bin/mm1j batch sets it to spark/target/spark-home)");
            }
            try {
                Files.createDirectories(Path.of(home, "jars"));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("mm1j-spark: cannot create " + Path.of(home, "jars") + ": " + e.getMessage(), e);
            }
            b.config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .config("spark.executorEnv.SPARK_SCALA_VERSION", "2.13");
        }
        return b;
    }

    /** Where the local-cluster executors' logs go: {@code $SPARK_HOME/work/APP/EXECUTOR/stderr}. */
    public static File workDir() {
        String home = System.getenv("SPARK_HOME");
        return home == null ? null : new File(home, "work");
    }
}

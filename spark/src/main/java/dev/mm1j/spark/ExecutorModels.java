package dev.mm1j.spark;

import dev.mm1j.core.Mm1jException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkEnv;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor JVM's models: each is opened by the first task that needs it and then shared by every task of
 * that JVM until the JVM ends (a shutdown hook closes it). Weights are read from storage by the executor itself,
 * never sent through the driver. The line "opened model ... (once for this executor JVM)" in the executor's
 * log shows it.
 */
final class ExecutorModels {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);
    private static final Map<String, ModelAdapter> OPEN = new ConcurrentHashMap<>();
    private static volatile boolean hook;

    private ExecutorModels() {}

    static ModelAdapter get(Mm1SparkOptions o) {
        ModelAdapter m = OPEN.get(o.modelKey());
        if (m != null) return m;
        synchronized (ExecutorModels.class) {
            return OPEN.computeIfAbsent(o.modelKey(), k -> open(o));
        }
    }

    private static ModelAdapter open(Mm1SparkOptions o) {
        long t0 = System.nanoTime();
        Path folder = ModelLocation.resolve(o.model());
        int threads = o.threads() > 0 ? o.threads() : ExecutorCores.get();
        String executor = SparkEnv.get() != null ? SparkEnv.get().executorId() : "?";
        try {
            ModelAdapter m = ModelAdapter.open(folder, o.backend(), threads, o.weights(), o.context(), o.parallel(), o.maxTokens(),
                o.maxImagePixels(), o.rowTimeout(), line -> LOG.info("mm1j: {}", line));
            LOG.info(String.format(Locale.ROOT, "mm1j: executor %s (pid %d) opened model %s in %.0f ms with %d threads: %s (once for this executor JVM)",
                executor, ProcessHandle.current().pid(), folder, (System.nanoTime() - t0) / 1e6, threads, m.describe()));
            if (!hook) {
                hook = true;
                Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModels::closeAll, "mm1j-close-models"));
            }
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException("mm1j-spark: cannot open the model " + folder + ": " + e.getMessage(), e);
        } catch (Mm1jException e) {
            throw new Mm1jException("mm1j-spark: cannot open the model " + folder + ": " + e.getMessage(), e);
        }
    }

    /** Closes every model of this JVM (the shutdown hook; tests that stop local Spark between runs). */
    static synchronized void closeAll() {
        for (ModelAdapter m : OPEN.values()) {
            try {
                m.close();
            } catch (RuntimeException e) {
                LOG.warn("mm1j: closing a model failed: {}", e.toString());
            }
        }
        OPEN.clear();
    }

    /** Models open in this JVM (tests). */
    static int openCount() {
        return OPEN.size();
    }
}

package dev.mm1j.spark;

import dev.mm1j.core.format.Progress;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * {@code mm1j batch: 1200/5000 rows (24%), 38.2 rows/s} on stderr while the job runs, when stderr is a terminal:
 * rows are counted as the writing tasks finish (each task answers and writes its partition).
 */
final class BatchProgress extends SparkListener {
    private final PrintStream err;
    private final boolean show;
    private final AtomicLong done = new AtomicLong();
    private volatile long total;
    private volatile long t0;
    private volatile boolean printed;

    BatchProgress(PrintStream err, boolean show) {
        this.err = err;
        this.show = show;
    }

    static BatchProgress onTerminal(PrintStream err) {
        return new BatchProgress(err, Progress.enabled());
    }

    void start(long rows) {
        total = rows;
        t0 = System.nanoTime();
        done.set(0);
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        if (end.taskMetrics() == null || t0 == 0) return;
        long written = end.taskMetrics().outputMetrics().recordsWritten();
        if (written <= 0) return;
        long d = done.addAndGet(written);
        if (show) {
            printed = true;
            synchronized (err) {
                err.print("\r" + line(d) + "   ");
                err.flush();
            }
        }
    }

    private String line(long d) {
        double s = (System.nanoTime() - t0) / 1e9;
        return String.format(Locale.ROOT, "mm1j batch: %d/%d rows (%d%%), %.1f rows/s", d, total, total == 0 ? 100 : Math.min(100, d * 100 / total),
            s > 0 ? d / s : 0);
    }

    void finish() {
        if (printed) {
            err.println("\r" + line(done.get()) + "   ");
            printed = false;
        }
    }

    long rowsDone() {
        return done.get();
    }
}

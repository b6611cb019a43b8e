package dev.mm1j.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The baseline of the throughput figures in docs/PERFORMANCE.md (not a test): the rows of {@code mm1j batch --images
 * DIR --question Q} through the same adapter and engine in one JVM without Spark, fed by {@code feeders} threads
 * that keep {@code parallel} rows each in flight, as Spark's tasks do. Run by tools/spark/throughput.sh.
 *
 * <p>Arguments: MODEL DIR QUESTION THREADS PARALLEL FEEDERS
 */
public final class EngineOnly {
    private EngineOnly() {}

    public static void main(String[] a) throws Exception {
        Path model = Path.of(a[0]), dir = Path.of(a[1]);
        String question = a[2];
        int threads = Integer.parseInt(a[3]), parallel = Integer.parseInt(a[4]), feeders = Integer.parseInt(a[5]);
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        long t0 = System.nanoTime();
        try (ModelAdapter m = ModelAdapter.open(model, null, threads, null, 0, parallel, 256, 4096L * 4096, Duration.ofMinutes(30), l -> {})) {
            double open = (System.nanoTime() - t0) / 1e9;
            long t1 = System.nanoTime();
            AtomicInteger next = new AtomicInteger(), errors = new AtomicInteger();
            Thread[] ts = new Thread[feeders];
            for (int f = 0; f < feeders; f++) {
                ts[f] = Thread.ofPlatform().start(() -> {
                    ArrayDeque<ModelAdapter.Pending> window = new ArrayDeque<>();
                    try {
                        for (int i; (i = next.getAndIncrement()) < files.size(); ) {
                            window.add(m.submit(Files.readAllBytes(files.get(i)), files.get(i).toString(), question));
                            if (window.size() >= parallel && window.poll().await().error() != null) errors.incrementAndGet();
                        }
                        while (!window.isEmpty()) if (window.poll().await().error() != null) errors.incrementAndGet();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
            for (Thread t : ts) t.join();
            double s = (System.nanoTime() - t1) / 1e9;
            System.out.printf(Locale.ROOT, "engine only: %d rows (%d errors) in %.2f s, %.2f rows/s (model opened in %.2f s; %d threads, %d parallel, %d feeders)%n",
                files.size(), errors.get(), s, files.size() / s, open, threads, parallel, feeders);
        }
    }
}

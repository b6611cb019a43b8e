package dev.mm1j.spark;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;

/**
 * {@code mm1j batch}: answers one question about every image of a folder (or every row of a Parquet table) on
 * Apache Spark, embedded in this JVM by default ({@code --master local[*]}), or on a cluster. bin/mm1j runs this
 * class with Spark's jars on the class path; the rest of the CLI never loads Spark.
 */
public final class BatchMain {
    static final String USAGE = """
        Usage: mm1j batch (--images DIR | --input FILE.parquet) (--question "..." | --question-column NAME) --out DIR [options]

        Answers a question about every image on Apache Spark: embedded in this JVM by default, or on a cluster.
        Each output row holds the input's columns (a folder gives 'path'), answer, tokens, error (a row whose image
        cannot be decoded, or whose prompt is too long, gets an error and the job goes on) and image_ms, answer_ms.

          --images DIR          every file under DIR (recursively) is an image (PNG, JPEG, BMP, GIF)
          --input FILE          a Parquet file or folder with an image column (bytes, or paths the executors can read)
          --image-column NAME   the image column of --input (default: image, content or path, the first present)
          --question TEXT       the question asked about every image
          --question-column C   a column of --input holding each row's question instead
          --out DIR             the output folder (Spark writes part files into it)
          --format F            parquet (default) or jsonl (JSON lines)
          --master URL          local[*] (default: this JVM, every core), local[N], local-cluster[W,C,MiB] (W executor
                                JVMs on this machine), spark://HOST:7077, k8s://https://HOST:443 (client mode: this JVM
                                is the driver; executors get the mm1j jar through spark.jars)
          --model DIR           the model folder as every executor sees it (default: the demo model)
          -n, --max-tokens N    answer tokens per row at most (default 256, bounded by the context)
          --threads N           kernel threads of each executor's model (default: the executor's cores)
          --parallel N          rows each executor decodes together (default 16)
          --weights T           convert matmul weights on load (q8_0, f16, bf16, q4_0; default as stored)
          --ctx N               KV-cache positions per row (default: the model's, at most 4096)
          --partitions N        partitions (tasks) to spread the rows over (default: about 128 rows each, >= 2 per core)
          --no-timings          leave out image_ms and answer_ms (then two runs write byte-identical files)
          --overwrite           replace the output folder if it exists
          --conf KEY=VALUE      a Spark setting (repeatable), e.g. --conf spark.executor.memory=4g
        """;

    private static final Set<String> SWITCHES = Set.of("no-timings", "overwrite");
    private static final Set<String> OPTIONS = Set.of("images", "input", "image-column", "question", "question-column", "out", "format", "master",
        "model", "n", "max-tokens", "threads", "parallel", "weights", "ctx", "partitions", "conf");

    private BatchMain() {}

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        System.exit(status);
    }

    /** Runs the command; the exit status: 0 done, 1 failed, 2 a usage error. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || List.of(args).contains("--help") || List.of(args).contains("-h")) {
            out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        Map<String, List<String>> a;
        BatchJob job;
        String master;
        try {
            a = parse(args);
            job = job(a);
            master = one(a, "master", "local[*]");
        } catch (IllegalArgumentException e) {
            err.println("mm1j batch: " + e.getMessage() + " (see mm1j batch --help)");
            return 2;
        }
        SparkSession.Builder b = SparkSessions.builder(master, "mm1j batch");
        String jar = System.getProperty("mm1j.spark.jar");
        if (!master.startsWith("local") && jar != null && Files.isRegularFile(Path.of(jar))) b.config("spark.jars", jar);
        for (String kv : a.getOrDefault("conf", List.of())) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                err.println("mm1j batch: --conf takes KEY=VALUE, got '" + kv + "' (see mm1j batch --help)");
                return 2;
            }
            b.config(kv.substring(0, eq), kv.substring(eq + 1));
        }
        long t0 = System.nanoTime();
        boolean shared = SparkSession.getDefaultSession().isDefined(); // a caller's session (tests) is left running
        SparkSession spark = null;
        BatchProgress progress = BatchProgress.onTerminal(err);
        try {
            spark = b.getOrCreate();
            if (!shared) spark.sparkContext().setLogLevel("WARN");
            spark.sparkContext().addSparkListener(progress);
            err.printf(Locale.ROOT, "mm1j batch: %s on %s (Spark %s started in %.1f s)%n", job.describe(), master, spark.version(), (System.nanoTime() - t0) / 1e9);
            BatchJob.Summary s = job.run(spark, progress);
            out.printf(Locale.ROOT, "mm1j batch: %d rows (%d errors) in %.1f s, %.2f rows/s (input and plan %.1f s); wrote %s%n", s.rows(), s.errors(),
                s.seconds(), s.seconds() > 0 ? s.rows() / s.seconds() : 0, s.listSeconds(), job.out());
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("mm1j batch: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) root = root.getCause();
            err.println("mm1j batch: the job failed: " + (root.getMessage() != null ? root.getMessage() : root.toString()));
            if (Boolean.getBoolean("mm1j.debug")) e.printStackTrace(err);
            return 1;
        } finally {
            if (spark != null) {
                spark.sparkContext().removeSparkListener(progress);
                if (!shared) spark.stop();
            }
        }
    }

    static BatchJob job(Map<String, List<String>> a) {
        String images = one(a, "images", null), input = one(a, "input", null);
        if ((images == null) == (input == null)) throw new IllegalArgumentException("give exactly one of --images DIR and --input FILE.parquet");
        if (images != null && !Files.isDirectory(Path.of(images)) && !images.contains("://")) throw new IllegalArgumentException("--images " + images + ": no such folder");
        String question = one(a, "question", null), qcol = one(a, "question-column", null);
        if ((question == null) == (qcol == null)) throw new IllegalArgumentException("give exactly one of --question TEXT and --question-column NAME");
        if (qcol != null && images != null) throw new IllegalArgumentException("--question-column needs --input (a folder of images has no question column)");
        if (question != null && question.isBlank()) throw new IllegalArgumentException("--question must not be empty");
        String out = one(a, "out", null);
        if (out == null) throw new IllegalArgumentException("missing --out DIR");
        String format = one(a, "format", "parquet").toLowerCase(Locale.ROOT);
        if (!BatchJob.FORMATS.contains(format)) throw new IllegalArgumentException("--format must be parquet or jsonl, got '" + format + "'");
        String model = one(a, "model", null);
        if (model == null) {
            String home = System.getProperty("mm1j.home");
            model = (home != null ? Path.of(home) : Path.of("")).resolve("models/mm1-demo").toAbsolutePath().normalize().toString();
        }
        Mm1SparkOptions o = Mm1SparkOptions.of(model)
            .maxTokens(integer(a, a.containsKey("n") ? "n" : "max-tokens", Mm1SparkOptions.DEFAULT_MAX_TOKENS))
            .threads(integer(a, "threads", 0))
            .parallel(integer(a, "parallel", Mm1SparkOptions.DEFAULT_PARALLEL))
            .weights(one(a, "weights", null))
            .context(integer(a, "ctx", 0))
            .timings(!a.containsKey("no-timings"));
        int partitions = integer(a, "partitions", 0);
        if (partitions < 0) throw new IllegalArgumentException("--partitions must be >= 0, got " + partitions);
        return new BatchJob(images, input, one(a, "image-column", null), question, qcol, out, format, partitions, a.containsKey("overwrite"), o);
    }

    static Map<String, List<String>> parse(String[] args) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String s = args[i];
            if (!s.startsWith("-")) throw new IllegalArgumentException("unexpected argument '" + s + "' (quote the question: --question \"...\")");
            String k = s.replaceFirst("^--?", "");
            String v = null;
            int eq = k.indexOf('=');
            if (eq > 0) {
                v = k.substring(eq + 1);
                k = k.substring(0, eq);
            }
            if (SWITCHES.contains(k)) {
                if (v != null) throw new IllegalArgumentException("--" + k + " takes no value");
                m.computeIfAbsent(k, x -> new ArrayList<>()).add("true");
                continue;
            }
            if (!OPTIONS.contains(k)) throw new IllegalArgumentException("unknown option '" + s + "'");
            if (v == null) {
                if (i + 1 >= args.length) throw new IllegalArgumentException("--" + k + " needs a value");
                v = args[++i];
            }
            m.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return m;
    }

    private static String one(Map<String, List<String>> a, String k, String dflt) {
        List<String> v = a.get(k);
        if (v == null) return dflt;
        if (v.size() > 1) throw new IllegalArgumentException("--" + k + " is given " + v.size() + " times");
        return v.getFirst();
    }

    private static int integer(Map<String, List<String>> a, String k, int dflt) {
        String v = one(a, k, null);
        if (v == null) return dflt;
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + k + " must be a whole number, got '" + v + "'");
        }
    }
}

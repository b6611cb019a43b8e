package dev.mm1j.spark;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;

/**
 * The cores of this executor, which its model's kernels use: {@code spark.executor.cores} when set; in local
 * mode the N of {@code local[N]} ({@code local[*]}: every core); in {@code local-cluster[n, cores, mem]} the
 * cores per worker; else every core the JVM sees.
 */
final class ExecutorCores {
    private static final Pattern LOCAL = Pattern.compile("local\\[(\\*|\\d+)(?:,\\s*\\d+)?]");
    private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[\\s*\\d+\\s*,\\s*(\\d+)\\s*,\\s*\\d+\\s*]");

    private ExecutorCores() {}

    static int get() {
        SparkEnv env = SparkEnv.get();
        return env == null ? Runtime.getRuntime().availableProcessors() : of(env.conf());
    }

    static int of(SparkConf conf) {
        int all = Runtime.getRuntime().availableProcessors();
        if (conf.contains("spark.executor.cores")) return Math.max(1, conf.getInt("spark.executor.cores", all));
        String master = conf.get("spark.master", "");
        if (master.equals("local")) return 1;
        Matcher m = LOCAL.matcher(master);
        if (m.matches()) return m.group(1).equals("*") ? all : Math.max(1, Integer.parseInt(m.group(1)));
        m = LOCAL_CLUSTER.matcher(master);
        if (m.matches()) return Math.max(1, Integer.parseInt(m.group(1)));
        return all;
    }
}

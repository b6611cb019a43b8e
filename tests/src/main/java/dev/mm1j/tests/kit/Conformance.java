package dev.mm1j.tests.kit;

import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.BackendOptions;
import dev.mm1j.core.backend.Op;
import dev.mm1j.core.backend.UnsupportedOpException;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import dev.mm1j.core.quant.ErrorBudget;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;
import jdk.incubator.vector.VectorShape;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.opentest4j.AssertionFailedError;

/**
 * The conformance engine behind {@link BackendConformanceKit}: turns backend configurations and
 * {@link OpCase}s into JUnit dynamic tests, compares each against the reference backend, and fills a
 * {@link Coverage} table.
 *
 * <p>System properties: {@code mm1j.kit.ops} (comma-separated kinds, e.g. {@code matmul,attention}) runs
 * only those rows; {@code mm1j.kit.vectorBits} (e.g. {@code 256}) runs only that vector width.
 */
public final class Conformance {
    /** The backend-specific property that selects the vector species (see {@link Backend#settings()}). */
    public static final String VECTOR_BITS = "vector.bits";

    private Conformance() {}

    /**
     * One backend configuration to test.
     *
     * @param label column name, e.g. {@code cpu@256}
     * @param factory creates the backend
     * @param options the options it is created with
     * @param unavailableReason non-null when it cannot run here (every case is then skipped with this reason)
     */
    public record Target(String label, Function<BackendOptions, Backend> factory, BackendOptions options, String unavailableReason) {}

    /** Expected outputs, computed once per case by the reference backend and shared by every target. */
    private static final Map<String, List<Bench.Output>> EXPECTED = new ConcurrentHashMap<>();
    private static final ReferenceBackend REFERENCE = new ReferenceBackend();
    private static volatile long referenceNanos;

    /**
     * The configurations to test a backend at: one per vector width the host supports (128 bits up to
     * {@link VectorShape#preferredShape()}) when the backend reports {@value #VECTOR_BITS} in its
     * {@link Backend#settings()}, else its defaults only. Creates the backend once to ask.
     */
    public static List<Target> targets(String name, Function<BackendOptions, Backend> create, String unavailableReason) {
        if (unavailableReason != null) return List.of(new Target(name, create, BackendOptions.defaults(), unavailableReason));
        Map<String, String> settings;
        try (Backend probe = create.apply(BackendOptions.defaults())) {
            settings = probe.settings();
        } catch (RuntimeException e) {
            // an available backend that cannot be created fails every one of its cases (with this error), and only those
            return List.of(new Target(name, create, BackendOptions.defaults(), null));
        }
        if (!settings.containsKey(VECTOR_BITS)) return List.of(new Target(name, create, BackendOptions.defaults(), null));
        List<Target> list = new ArrayList<>();
        for (int bits : vectorWidths()) {
            list.add(new Target(name + "@" + bits, create, new BackendOptions(0, Map.of(VECTOR_BITS, Integer.toString(bits))), null));
        }
        return list;
    }

    /** 128, 256 and 512 where the host's preferred vector shape allows, or only {@code mm1j.kit.vectorBits} when set. */
    public static List<Integer> vectorWidths() {
        int max = VectorShape.preferredShape().vectorBitSize();
        String only = System.getProperty("mm1j.kit.vectorBits", "").trim();
        List<Integer> list = new ArrayList<>();
        for (int bits = 128; bits <= Math.max(max, 128); bits *= 2) {
            if (only.isEmpty() || only.equals(Integer.toString(bits))) list.add(bits);
        }
        return list;
    }

    /** Cases selected by the {@code mm1j.kit.ops} system property (all when unset). */
    public static Predicate<OpCase> selectedByProperty() {
        String ops = System.getProperty("mm1j.kit.ops", "").trim();
        if (ops.isEmpty()) return c -> true;
        List<String> kinds = Arrays.stream(ops.split(",")).map(s -> s.trim().toLowerCase()).toList();
        return c -> kinds.contains(c.kind());
    }

    /**
     * Dynamic tests for {@code targets}: a container per target, inside it a container per op kind, inside
     * that a test per case; then one test that prints the coverage table.
     */
    public static Stream<DynamicNode> suite(List<Target> targets, List<OpCase> cases, Coverage coverage) {
        for (Target t : targets) coverage.column(t.label(), t.unavailableReason());
        for (OpCase c : cases) coverage.row(c);
        Stream<DynamicNode> perTarget = targets.stream().map(t -> container(t, cases, coverage));
        DynamicTest table = DynamicTest.dynamicTest("coverage table", () -> {
            System.out.println(coverage.render() + String.format("reference (expected values, computed once per case): %.1f s%n", referenceNanos / 1e9));
        });
        return Stream.concat(perTarget, Stream.of(table));
    }

    private static DynamicNode container(Target t, List<OpCase> cases, Coverage coverage) {
        if (t.unavailableReason() != null) {
            return DynamicTest.dynamicTest(t.label() + " (unavailable)", () -> {
                System.out.println("[conformance] skipping " + t.label() + ": " + t.unavailableReason());
                Assumptions.abort(t.label() + " is not available here: " + t.unavailableReason());
            });
        }
        Session session = new Session(t);
        Map<String, List<OpCase>> byKind = new LinkedHashMap<>();
        for (OpCase c : cases) byKind.computeIfAbsent(c.kind(), k -> new ArrayList<>()).add(c);
        List<DynamicNode> nodes = new ArrayList<>();
        for (Map.Entry<String, List<OpCase>> e : byKind.entrySet()) {
            List<DynamicNode> tests = new ArrayList<>();
            for (OpCase c : e.getValue()) tests.add(DynamicTest.dynamicTest(c.dtype() + " " + c.params(), () -> runCase(session, c, coverage)));
            nodes.add(DynamicContainer.dynamicContainer(e.getKey(), tests));
        }
        nodes.add(DynamicTest.dynamicTest("close " + t.label(), session::close));
        return DynamicContainer.dynamicContainer(t.label(), nodes);
    }

    /** Creates the target's backend on first use, checks it honours the requested settings, and closes it at the end. */
    private static final class Session {
        private final Target target;
        private Backend backend;
        private RuntimeException failure;

        Session(Target target) {
            this.target = target;
        }

        Backend get() {
            if (backend == null && failure == null) {
                try {
                    backend = target.factory().apply(target.options());
                    for (Map.Entry<String, String> e : target.options().properties().entrySet()) {
                        String got = backend.settings().get(e.getKey());
                        if (!e.getValue().equals(got)) {
                            throw new IllegalStateException(backend.name() + " was created with " + e.getKey() + "=" + e.getValue() + " but reports " + e.getKey() + "=" + got);
                        }
                    }
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
            if (failure != null) throw new IllegalStateException("cannot create " + target.label() + ": " + failure.getMessage(), failure);
            return backend;
        }

        void close() {
            if (backend != null) backend.close();
            backend = null;
        }
    }

    /** How one case went on one backend. */
    enum Status { PASS, FAIL, UNSUPPORTED, VARIANT_UNSUPPORTED }

    /** The outcome of a case: its status, what went wrong (FAIL) or why it was skipped, and the exception if one was thrown. */
    record Outcome(Status status, String message, Throwable error, long nanos, double nmse) {
        Outcome(Status status, String message, Throwable error, long nanos) {
            this(status, message, error, nanos, 0);
        }
    }

    /** Runs {@code c} on {@code backend} and compares it with the reference. */
    static Outcome check(Backend backend, OpCase c) {
        if (!c.supportedBy(backend)) {
            return new Outcome(Status.UNSUPPORTED, backend.name() + " does not support " + c.kind() + " " + c.dtype() + " (supportsOp is false)", null, 0);
        }
        List<Bench.Output> want = expected(c);
        long t0 = System.nanoTime();
        List<Bench.Output> got;
        try (Bench bench = new Bench(backend, c.seed())) {
            c.body().accept(bench);
            got = bench.collect();
        } catch (UnsupportedOpException e) {
            // the SPI lets conv2d's default cover only some variants (patchify, 1x1); anything else claimed must run
            if (c.op() == Op.CONV2D) return new Outcome(Status.VARIANT_UNSUPPORTED, e.getMessage(), e, 0);
            return new Outcome(Status.FAIL, "supportsOp is true but the op threw: " + e.getMessage(), e, System.nanoTime() - t0);
        } catch (RuntimeException | AssertionError e) {
            return new Outcome(Status.FAIL, "threw " + e, e, System.nanoTime() - t0);
        }
        long ns = System.nanoTime() - t0;
        String problem = compare(c, got, want);
        return new Outcome(problem == null ? Status.PASS : Status.FAIL, problem, null, ns, worstNmse(got, want));
    }

    private static void runCase(Session session, OpCase c, Coverage coverage) {
        String label = session.target.label();
        if (!EXPECTED.containsKey(c.id())) {
            long t0 = System.nanoTime();
            expected(c);
            coverage.timing("(reference, expected values)", c, System.nanoTime() - t0);
        }
        Outcome o = check(session.get(), c);
        switch (o.status()) {
            case PASS -> coverage.pass(label, c, o.nanos(), o.nmse());
            case UNSUPPORTED -> {
                coverage.unsupported(label, c);
                Assumptions.abort(o.message());
            }
            case VARIANT_UNSUPPORTED -> {
                coverage.variantUnsupported(label, c);
                Assumptions.abort(o.message());
            }
            case FAIL -> {
                coverage.fail(label, c, o.nanos());
                throw new AssertionFailedError("[" + label + "] " + c.id() + ": " + o.message(), o.error());
            }
        }
    }

    /** The reference's outputs for {@code c}, computed on first use. */
    static List<Bench.Output> expected(OpCase c) {
        return EXPECTED.computeIfAbsent(c.id(), id -> {
            long t0 = System.nanoTime();
            try (Bench bench = new Bench(REFERENCE, c.seed())) {
                c.body().accept(bench);
                List<Bench.Output> out = bench.collect();
                for (Bench.Output o : out) {
                    if (o.guardError() != null) throw new IllegalStateException("the reference backend failed " + c.id() + ": " + o.guardError());
                }
                return out;
            } finally {
                referenceNanos += System.nanoTime() - t0;
            }
        });
    }

    /** Null when {@code got} matches {@code want} within the case's budget; otherwise what is wrong. */
    static String compare(OpCase c, List<Bench.Output> got, List<Bench.Output> want) {
        if (got.size() != want.size()) return "expected " + want.size() + " outputs, got " + got.size();
        for (int i = 0; i < got.size(); i++) {
            Bench.Output g = got.get(i), w = want.get(i);
            String name = g.label() + " " + g.dtype() + Arrays.toString(g.shape());
            if (g.guardError() != null) return name + ": " + g.guardError();
            if (g.ints() != null) {
                for (int j = 0; j < g.ints().length; j++) {
                    if (g.ints()[j] != w.ints()[j]) return name + ": at " + index(g.shape(), j) + " got " + g.ints()[j] + ", want " + w.ints()[j];
                }
                continue;
            }
            float[] gv = g.values(), wv = w.values();
            for (int j = 0; j < gv.length; j++) {
                boolean finiteWant = Float.isFinite(wv[j]);
                if (!finiteWant && !c.params().contains("non-finite")) {
                    return name + ": the reference gives " + wv[j] + " at " + index(g.shape(), j) + " (a case must have finite outputs unless its name says non-finite)";
                }
                if (!Float.isFinite(gv[j]) && Float.compare(gv[j], wv[j]) != 0) {
                    return name + ": non-finite output " + gv[j] + " at " + index(g.shape(), j) + ", want " + wv[j]
                        + (Float.isNaN(gv[j]) ? " (NaN: never written, read outside an input, or overflow)" : "");
                }
            }
            double nmse = ErrorBudget.nmse(gv, wv);
            if (nmse > c.budget().nmse()) {
                int worst = 0;
                for (int j = 1; j < gv.length; j++) if (Math.abs(gv[j] - wv[j]) > Math.abs(gv[worst] - wv[worst])) worst = j;
                return String.format("%s: nmse %.3g over budget %s; worst at %s: got %s, want %s", name, nmse, c.budget(), index(g.shape(), worst), gv[worst], wv[worst]);
            }
        }
        return null;
    }

    /** The largest NMSE over the float outputs (0 for integer outputs). */
    static double worstNmse(List<Bench.Output> got, List<Bench.Output> want) {
        double worst = 0;
        for (int i = 0; i < got.size(); i++) {
            if (got.get(i).ints() == null) worst = Math.max(worst, ErrorBudget.nmse(got.get(i).values(), want.get(i).values()));
        }
        return worst;
    }

    /** The multi-index of flat row-major position {@code flat} in {@code shape}, e.g. {@code [3, 17]}. */
    static String index(long[] shape, long flat) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = shape[d] == 0 ? 0 : flat % shape[d];
            flat = shape[d] == 0 ? 0 : flat / shape[d];
        }
        return Arrays.toString(idx);
    }
}

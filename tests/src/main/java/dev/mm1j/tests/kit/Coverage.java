package dev.mm1j.tests.kit;

import dev.mm1j.core.DType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The coverage table: for every op × dtype row and every backend configuration column, how many cases
 * passed, failed or were skipped because the backend does not support them. Nothing unsupported passes
 * silently: it is counted and printed.
 */
public final class Coverage {
    private record Row(String kind, DType dtype) {}

    /** Counts of one cell. */
    private static final class Cell {
        int pass, fail, unsupported, variant;
    }

    private final List<String> columns = new ArrayList<>();
    private final Map<String, String> unavailable = new LinkedHashMap<>();
    private final Map<String, Long> nanos = new LinkedHashMap<>();
    private final Map<Row, Map<String, Cell>> cells = new LinkedHashMap<>();

    /** Declares a column (in display order); {@code unavailableReason} non-null marks it n/a. */
    public synchronized void column(String target, String unavailableReason) {
        if (!columns.contains(target)) columns.add(target);
        if (unavailableReason != null) unavailable.put(target, unavailableReason);
    }

    /** Declares a row (in display order) so that rows appear even when no backend ran them. */
    public synchronized void row(OpCase c) {
        cells.computeIfAbsent(new Row(c.kind(), c.dtype()), r -> new LinkedHashMap<>());
    }

    /** Time of one case on one target (or of the reference's expected values, target "expected"). */
    private record Timing(String target, String id, long nanos) {}

    private final List<Timing> timings = new ArrayList<>();

    synchronized void timing(String target, OpCase c, long ns) {
        timings.add(new Timing(target, c.id(), ns));
    }

    synchronized void pass(String target, OpCase c, long ns, double nmse) {
        timings.add(new Timing(target, c.id(), ns));
        cell(target, c).pass++;
        nanos.merge(target, ns, Long::sum);
        if (c.budget().nmse() > 0) {
            Closest prev = closest.get(target);
            double ratio = nmse / c.budget().nmse();
            if (prev == null || ratio > prev.ratio) closest.put(target, new Closest(c.id(), nmse, c.budget(), ratio));
        }
    }

    /** The passing case that came closest to its budget on one target. */
    private record Closest(String id, double nmse, Budget budget, double ratio) {}

    private final Map<String, Closest> closest = new LinkedHashMap<>();

    synchronized void fail(String target, OpCase c, long ns) {
        cell(target, c).fail++;
        nanos.merge(target, ns, Long::sum);
    }

    synchronized void unsupported(String target, OpCase c) {
        cell(target, c).unsupported++;
    }

    /** The backend claims the op but has no kernel for this variant (e.g. a depthwise conv2d on the default). */
    synchronized void variantUnsupported(String target, OpCase c) {
        cell(target, c).variant++;
    }

    private Cell cell(String target, OpCase c) {
        column(target, null);
        return cells.computeIfAbsent(new Row(c.kind(), c.dtype()), r -> new LinkedHashMap<>()).computeIfAbsent(target, t -> new Cell());
    }

    /** Total failures over every cell. */
    public synchronized int failures() {
        int n = 0;
        for (Map<String, Cell> m : cells.values()) for (Cell c : m.values()) n += c.fail;
        return n;
    }

    /** The table as text. */
    public synchronized String render() {
        List<String[]> rows = new ArrayList<>();
        String[] head = new String[columns.size() + 2];
        head[0] = "op";
        head[1] = "dtype";
        for (int i = 0; i < columns.size(); i++) head[i + 2] = columns.get(i);
        rows.add(head);
        for (Map.Entry<Row, Map<String, Cell>> e : cells.entrySet()) {
            String[] r = new String[head.length];
            r[0] = e.getKey().kind();
            r[1] = e.getKey().dtype().name();
            for (int i = 0; i < columns.size(); i++) r[i + 2] = text(columns.get(i), e.getValue().get(columns.get(i)));
            rows.add(r);
        }
        int[] width = new int[head.length];
        for (String[] r : rows) for (int i = 0; i < r.length; i++) width[i] = Math.max(width[i], r[i].length());
        StringBuilder sb = new StringBuilder("Backend conformance coverage (ok N: N cases passed; FAIL f/N: f of N failed;\n"
            + "unsupported: supportsOp is false, skipped; +k variant: k cases the backend has no kernel for, skipped;\n"
            + "n/a: backend not available here)\n");
        for (int k = 0; k < rows.size(); k++) {
            String[] r = rows.get(k);
            for (int i = 0; i < r.length; i++) {
                sb.append(i == 0 ? "" : i == 2 ? " | " : i > 2 ? " | " : " ").append(String.format("%-" + width[i] + "s", r[i]));
            }
            sb.append('\n');
            if (k == 0) sb.append("-".repeat(sb.length() - sb.lastIndexOf("\n", sb.length() - 2) - 2)).append('\n');
        }
        for (Map.Entry<String, String> e : unavailable.entrySet()) sb.append("n/a ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
        for (Map.Entry<String, Closest> e : closest.entrySet()) {
            Closest c = e.getValue();
            if (c.ratio() == 0) sb.append("closest to budget on ").append(e.getKey()).append(": every case matched the reference exactly\n");
            else sb.append(String.format("closest to budget on %s: %s, nmse %.2g = %.2g of %s%n", e.getKey(), c.id(), c.nmse(), c.ratio(), c.budget().name()));
        }
        List<Timing> slow = new ArrayList<>(timings);
        slow.sort((a, b) -> Long.compare(b.nanos(), a.nanos()));
        for (Timing t : slow.subList(0, Math.min(5, slow.size()))) {
            sb.append(String.format("slow: %6.0f ms %s %s%n", t.nanos() / 1e6, t.target(), t.id()));
        }
        for (Map.Entry<String, Long> e : nanos.entrySet()) {
            sb.append(String.format("time %s: %.1f s (the backend under test, inputs and checks)%n", e.getKey(), e.getValue() / 1e9));
        }
        return sb.toString();
    }

    private String text(String column, Cell c) {
        if (unavailable.containsKey(column)) return "n/a";
        if (c == null) return "-";
        int ran = c.pass + c.fail;
        String s;
        if (c.fail > 0) s = "FAIL " + c.fail + "/" + ran;
        else if (ran > 0) s = "ok " + ran;
        else if (c.unsupported > 0) s = "unsupported";
        else s = "";
        if (c.variant > 0) s = (s.isEmpty() ? "" : s + " ") + "+" + c.variant + " variant";
        return s;
    }
}

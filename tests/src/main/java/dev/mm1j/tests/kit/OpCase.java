package dev.mm1j.tests.kit;

import dev.mm1j.core.DType;
import dev.mm1j.core.backend.Backend;
import dev.mm1j.core.backend.Op;
import java.util.List;
import java.util.function.Consumer;

/**
 * One conformance case: an op with one operand dtype and one set of shapes and parameters. The kit runs
 * {@link #run} once on the reference backend and once on the backend under test, on identical seeded
 * data, and compares every output within {@link #budget()}.
 *
 * @param kind the row of the coverage table: the op's name, or a fused helper ({@code linear}, {@code swiglu})
 * @param ops the ops (with {@link #dtype}) the backend must claim in {@link Backend#supportsOp} for the case to run
 * @param dtype the operand dtype the op is listed under (see {@link Op})
 * @param params shapes and parameters, for the test name (e.g. {@code x=[7,64] w=[31,64]})
 * @param budget the error budget of float outputs: normalised MSE against the reference
 * @param body creates the inputs and outputs on the bench and calls the op through {@link Bench#ops()}
 */
public record OpCase(String kind, List<Op> ops, DType dtype, String params, Budget budget, Consumer<Bench> body) {

    /** A case for a single op, listed under the op's name. */
    public static OpCase of(Op op, DType dtype, String params, Budget budget, Consumer<Bench> body) {
        return new OpCase(op.name().toLowerCase(), List.of(op), dtype, params, budget, body);
    }

    /** The same case with {@code more} appended to its parameters (and so another seed). */
    public OpCase withParams(String more) {
        return new OpCase(kind, ops, dtype, params + " " + more, budget, body);
    }

    /** The primary op (the one the coverage table and {@code supportsOp} are keyed by). */
    public Op op() {
        return ops.getFirst();
    }

    /** Unique name, e.g. {@code matmul Q4_0 x=[7,64] w=[31,64]}. */
    public String id() {
        return kind + " " + dtype + " " + params;
    }

    /** Seed of the case's data: a function of its name only. */
    long seed() {
        return id().hashCode() * 0x9E3779B97F4A7C15L;
    }

    /** Whether {@code backend} claims every op this case needs (the first with this case's dtype, the others with F32). */
    public boolean supportedBy(Backend backend) {
        if (!backend.supportsOp(op(), dtype)) return false;
        for (Op o : ops.subList(1, ops.size())) if (!backend.supportsOp(o, DType.F32)) return false;
        return true;
    }

    @Override
    public String toString() {
        return id();
    }
}

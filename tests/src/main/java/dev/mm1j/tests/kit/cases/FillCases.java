package dev.mm1j.tests.kit.cases;

import static dev.mm1j.tests.kit.cases.Shapes.s;

import dev.mm1j.core.DType;
import dev.mm1j.core.backend.Op;
import dev.mm1j.tests.kit.Budget;
import dev.mm1j.tests.kit.OpCase;
import java.util.ArrayList;
import java.util.List;

/** fill: every writable dtype, contiguous, row-strided and transposed outputs (gaps must stay untouched). */
public final class FillCases {
    private FillCases() {}

    public static List<OpCase> cases() {
        List<OpCase> l = new ArrayList<>();
        for (DType t : List.of(DType.F32, DType.F16, DType.BF16, DType.I32)) {
            float value = t == DType.I32 ? -3f : 0.3f; // 0.3 is rounded by F16 and BF16
            l.add(OpCase.of(Op.FILL, t, "[1] = " + value, Budget.EXACT, b -> b.ops().fill(b.out(t, 1), value)));
            l.add(OpCase.of(Op.FILL, t, "[101] = " + value, Budget.EXACT, b -> b.ops().fill(b.out(t, 101), value)));
            l.add(OpCase.of(Op.FILL, t, s(7, 40) + "[:, 3:36] = " + value + " (row-strided)", Budget.EXACT, b -> {
                b.ops().fill(b.outView(t, new long[] {7, 40}, x -> x.slice(1, 3, 36)), value);
            }));
            l.add(OpCase.of(Op.FILL, t, s(13, 31) + "ᵀ[:, 1:12] = " + value + " (transposed, sliced)", Budget.EXACT, b -> {
                b.ops().fill(b.outView(t, new long[] {13, 31}, x -> x.transpose(0, 1).slice(1, 1, 12)), value);
            }));
        }
        return l;
    }
}

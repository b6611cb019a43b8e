package dev.mm1j.tests.kit;

import dev.mm1j.tests.kit.cases.AttentionCases;
import dev.mm1j.tests.kit.cases.ElementwiseCases;
import dev.mm1j.tests.kit.cases.IndexingCases;
import dev.mm1j.tests.kit.cases.ProductCases;
import dev.mm1j.tests.kit.cases.RowCases;
import dev.mm1j.tests.kit.cases.SpatialCases;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Every conformance case, one class per op family ({@link dev.mm1j.core.backend.Op.Family}); a new op adds its cases to its family's class. */
public final class Cases {
    private Cases() {}

    private static volatile List<OpCase> all;

    /** All cases, in coverage-table order; names are unique. */
    public static List<OpCase> all() {
        if (all == null) {
            List<OpCase> l = new ArrayList<>();
            l.addAll(ProductCases.cases());
            l.addAll(ElementwiseCases.cases());
            l.addAll(RowCases.cases());
            l.addAll(AttentionCases.cases());
            l.addAll(SpatialCases.cases());
            l.addAll(IndexingCases.cases());
            Set<String> ids = new HashSet<>();
            for (OpCase c : l) {
                if (!ids.add(c.id())) throw new IllegalStateException("two conformance cases are named " + c.id());
            }
            all = List.copyOf(l);
        }
        return all;
    }
}

package dev.mm1j.tests.kit;

import dev.mm1j.tests.kit.cases.AttentionCases;
import dev.mm1j.tests.kit.cases.CopyCases;
import dev.mm1j.tests.kit.cases.ElementwiseCases;
import dev.mm1j.tests.kit.cases.FillCases;
import dev.mm1j.tests.kit.cases.IndexingCases;
import dev.mm1j.tests.kit.cases.MatmulCases;
import dev.mm1j.tests.kit.cases.NormCases;
import dev.mm1j.tests.kit.cases.RopeCases;
import dev.mm1j.tests.kit.cases.SoftmaxCases;
import dev.mm1j.tests.kit.cases.SpatialCases;
import dev.mm1j.tests.kit.cases.UnaryCases;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Every conformance case, grouped by op. A new op adds its case class here. */
public final class Cases {
    private Cases() {}

    private static volatile List<OpCase> all;

    /** All cases, in coverage-table order; names are unique. */
    public static List<OpCase> all() {
        if (all == null) {
            List<OpCase> l = new ArrayList<>();
            l.addAll(MatmulCases.cases());
            l.addAll(CopyCases.cases());
            l.addAll(FillCases.cases());
            l.addAll(ElementwiseCases.cases());
            l.addAll(UnaryCases.cases());
            l.addAll(SoftmaxCases.cases());
            l.addAll(NormCases.cases());
            l.addAll(RopeCases.cases());
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

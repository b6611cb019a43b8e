package dev.mm1j.core.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ErfTest {

    /** (x, erf(x)) from CPython's math.erf, which is accurate to a few ulp. */
    private static final double[][] KNOWN = {
        {0.0, 0.0}, {1e-10, 1.1283791670955126e-10}, {0.1, 0.1124629160182849}, {0.5, 0.5204998778130465},
        {1.0, 0.8427007929497149}, {-1.5, -0.9661051464753108}, {2.0, 0.9953222650189527},
        {2.4999, 0.9995928300996666}, {2.5, 0.999593047982555}, {3.0, 0.9999779095030014},
        {4.0, 0.9999999845827421}, {5.5, 0.9999999999999927}, {-6.5, -1.0},
    };

    @Test
    void matchesKnownValuesToDoublePrecision() {
        for (double[] k : KNOWN) assertEquals(k[1], Erf.erf(k[0]), 2e-15, "erf(" + k[0] + ")");
    }

    @Test
    void isOddMonotoneAndContinuousAcrossTheSeriesAndFractionBranches() {
        double prev = -1;
        for (double x = -7; x <= 7; x += 1.0 / 64) {
            double e = Erf.erf(x);
            assertEquals(-e, Erf.erf(-x), 0.0, "odd at " + x);
            assertTrue(e >= prev, "monotone at " + x);
            prev = e;
        }
        assertEquals(Erf.erf(Math.nextDown(2.5)), Erf.erf(2.5), 2e-15);
        assertEquals(Erf.erf(Math.nextDown(6.0)), Erf.erf(6.0), 2e-15);
    }

    @Test
    void handlesNonFiniteInput() {
        assertTrue(Double.isNaN(Erf.erf(Double.NaN)));
        assertEquals(1.0, Erf.erf(Double.POSITIVE_INFINITY));
        assertEquals(-1.0, Erf.erf(Double.NEGATIVE_INFINITY));
    }
}

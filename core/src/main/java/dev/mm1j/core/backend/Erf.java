package dev.mm1j.core.backend;

/** The error function to double precision (for the reference GELU). */
public final class Erf {
    private Erf() {}

    /**
     * erf(x) with absolute error below 2e-15: for |x| &lt; 2.5 the series of positive terms
     * {@code erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (2n+1)!!} (the alternating Maclaurin series loses a
     * digit to cancellation near 2.5), beyond it the continued fraction of erfc (Lentz's method).
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double ax = Math.abs(x);
        double r;
        if (ax < 2.5) {
            double x2 = ax * ax, term = ax, sum = ax;
            for (int n = 1; n < 300; n++) {
                term *= 2 * x2 / (2 * n + 1);
                sum += term;
                if (term < 1e-17 * sum) break;
            }
            r = 2 / Math.sqrt(Math.PI) * Math.exp(-x2) * sum;
        } else if (ax > 6) {
            r = 1;
        } else {
            // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
            double tiny = 1e-300;
            double f = ax, c = ax, d = 0;
            for (int n = 1; n < 500; n++) {
                double a = n / 2.0;
                d = ax + a * d;
                d = Math.abs(d) < tiny ? 1 / tiny : 1 / d;
                c = ax + a / c;
                if (Math.abs(c) < tiny) c = tiny;
                double delta = c * d;
                f *= delta;
                if (Math.abs(delta - 1) < 1e-16) break;
            }
            r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
        }
        return Math.copySign(r, x);
    }
}

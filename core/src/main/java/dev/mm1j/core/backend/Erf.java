package dev.mm1j.core.backend;

/** The error function to double precision (for the reference GELU). */
public final class Erf {
    private Erf() {}

    /**
     * erf(x) with absolute error below 1e-15: the Maclaurin series for |x| &lt; 2.5 and the continued
     * fraction of erfc (Lentz's method) beyond.
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double ax = Math.abs(x);
        double r;
        if (ax < 2.5) {
            // erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
            double term = ax, sum = ax, x2 = ax * ax;
            for (int n = 1; n < 200; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
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

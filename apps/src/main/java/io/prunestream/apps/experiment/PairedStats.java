package io.prunestream.apps.experiment;

/**
 * The statistics of a paired comparison over seeds: the Student t distribution (its quantiles for a
 * 95 % confidence interval with n - 1 degrees of freedom) and the power of the two-sided paired
 * t-test (from the noncentral t distribution), hence the smallest difference n seeds can detect.
 * Computed, not tabulated, so any number of seeds works; {@code PairedStatsTest} checks them
 * against published values.
 */
public final class PairedStats {
    private PairedStats() {}

    /** Level of the intervals and of the test whose power is computed (two-sided). */
    public static final double ALPHA = 0.05;

    /** Power the smallest detectable difference is stated at. */
    public static final double POWER = 0.8;

    /** The two-sided 1 - alpha confidence interval of a mean of n paired differences. */
    public record Interval(double low, double high) {
        public boolean excludesZero() {
            return low > 0 || high < 0;
        }
    }

    /** mean ± t(1 - alpha/2, n - 1) · sd / √n; null for n < 2 (no spread to scale by). */
    public static Interval interval(double mean, double sd, int n) {
        if (n < 2 || Double.isNaN(sd)) {
            return null;
        }
        double half = tQuantile(1 - ALPHA / 2, n - 1) * sd / Math.sqrt(n);
        return new Interval(mean - half, mean + half);
    }

    /**
     * The smallest true mean difference the two-sided paired t-test at level {@link #ALPHA} finds
     * with probability {@link #POWER}, when the differences' standard deviation is {@code sd} (the
     * observed one, taken as the true one) and there are n seeds. NaN for n < 2.
     */
    public static double detectable(double sd, int n) {
        if (n < 2 || Double.isNaN(sd)) {
            return Double.NaN;
        }
        return standardizedDetectable(n) * sd;
    }

    /** {@link #detectable} in units of the standard deviation (Cohen's d of paired data). */
    public static double standardizedDetectable(int n) {
        double lo = 0;
        double hi = 1;
        while (power(hi, n) < POWER) {
            hi *= 2;
        }
        for (int i = 0; i < 100 && hi - lo > 1e-12 * hi; i++) {
            double mid = (lo + hi) / 2;
            if (power(mid, n) < POWER) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    /**
     * Power of the two-sided paired t-test at level {@link #ALPHA} with n pairs when the true mean
     * difference is {@code d} standard deviations: P(|T| > c) for T noncentral t with n - 1 degrees
     * of freedom and noncentrality d·√n. With T = (Z + λ) / S, S = √(χ²/ν): the integral over S of
     * P(Z > c·S - λ) + P(Z < -c·S - λ), by Simpson's rule.
     */
    public static double power(double d, int n) {
        int nu = n - 1;
        double c = tQuantile(1 - ALPHA / 2, nu);
        double lambda = d * Math.sqrt(n);
        // density of S = sqrt(chi2_nu / nu); beyond s = 12 it is below 1e-30 for every nu >= 1
        double logNorm = Math.log(2) + (nu / 2.0) * Math.log(nu / 2.0) - lnGamma(nu / 2.0);
        int steps = 6000;
        double top = 12;
        double h = top / steps;
        double sum = 0;
        for (int i = 0; i <= steps; i++) {
            double s = i * h;
            double density =
                    s == 0
                            ? (nu == 1 ? Math.exp(logNorm) : 0)
                            : Math.exp(logNorm + (nu - 1) * Math.log(s) - nu * s * s / 2);
            double p = normalSf(c * s - lambda) + normalSf(c * s + lambda);
            double w = i == 0 || i == steps ? 1 : (i % 2 == 1 ? 4 : 2);
            sum += w * density * p;
        }
        return sum * h / 3;
    }

    /** The p-quantile of Student's t with {@code dof} degrees of freedom. */
    public static double tQuantile(double p, int dof) {
        if (!(p > 0 && p < 1) || dof < 1) {
            throw new IllegalArgumentException("t quantile needs 0 < p < 1, dof >= 1");
        }
        if (p < 0.5) {
            return -tQuantile(1 - p, dof);
        }
        double lo = 0;
        double hi = 1;
        while (tCdf(hi, dof) < p) {
            hi *= 2;
        }
        for (int i = 0; i < 200 && hi - lo > 1e-14 * Math.max(1, hi); i++) {
            double mid = (lo + hi) / 2;
            if (tCdf(mid, dof) < p) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    /** P(T <= t) for Student's t: 1 - I_x(ν/2, 1/2) / 2 with x = ν / (ν + t²), for t >= 0. */
    public static double tCdf(double t, int dof) {
        double x = dof / (dof + t * t);
        double tail = 0.5 * incompleteBeta(dof / 2.0, 0.5, x);
        return t >= 0 ? 1 - tail : tail;
    }

    /** P(Z > x) for a standard normal Z: Q(1/2, x²/2) / 2 by the regularized gamma function. */
    static double normalSf(double x) {
        double q = 0.5 * upperGamma(0.5, x * x / 2);
        return x >= 0 ? q : 1 - q;
    }

    /** Regularized incomplete beta I_x(a, b), by its continued fraction (Lentz's method). */
    static double incompleteBeta(double a, double b, double x) {
        if (x <= 0) {
            return 0;
        }
        if (x >= 1) {
            return 1;
        }
        double front =
                Math.exp(
                        lnGamma(a + b)
                                - lnGamma(a)
                                - lnGamma(b)
                                + a * Math.log(x)
                                + b * Math.log(1 - x));
        if (x < (a + 1) / (a + b + 2)) {
            return front * betaFraction(a, b, x) / a;
        }
        return 1 - front * betaFraction(b, a, 1 - x) / b;
    }

    private static double betaFraction(double a, double b, double x) {
        double tiny = 1e-300;
        double c = 1;
        double d = 1 - (a + b) * x / (a + 1);
        d = 1 / (Math.abs(d) < tiny ? tiny : d);
        double f = d;
        for (int m = 1; m <= 1000; m++) {
            int m2 = 2 * m;
            double num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
            d = 1 + num * d;
            d = 1 / (Math.abs(d) < tiny ? tiny : d);
            c = 1 + num / c;
            c = Math.abs(c) < tiny ? tiny : c;
            f *= d * c;
            num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
            d = 1 + num * d;
            d = 1 / (Math.abs(d) < tiny ? tiny : d);
            c = 1 + num / c;
            c = Math.abs(c) < tiny ? tiny : c;
            double delta = d * c;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) {
                break;
            }
        }
        return f;
    }

    /** Regularized upper incomplete gamma Q(a, x): a series below a + 1, a fraction above. */
    static double upperGamma(double a, double x) {
        if (x <= 0) {
            return 1;
        }
        double lead = -x + a * Math.log(x) - lnGamma(a);
        if (x < a + 1) {
            double term = 1 / a;
            double sum = term;
            for (int n = 1; n < 10_000; n++) {
                term *= x / (a + n);
                sum += term;
                if (Math.abs(term) < Math.abs(sum) * 1e-17) {
                    break;
                }
            }
            return 1 - sum * Math.exp(lead);
        }
        double tiny = 1e-300;
        double b = x + 1 - a;
        double c = 1 / tiny;
        double d = 1 / b;
        double h = d;
        for (int i = 1; i < 10_000; i++) {
            double an = -i * (i - a);
            b += 2;
            d = an * d + b;
            d = 1 / (Math.abs(d) < tiny ? tiny : d);
            c = b + an / c;
            c = Math.abs(c) < tiny ? tiny : c;
            double delta = d * c;
            h *= delta;
            if (Math.abs(delta - 1) < 1e-16) {
                break;
            }
        }
        return Math.exp(lead) * h;
    }

    /** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: ~1e-15 relative). */
    static double lnGamma(double x) {
        if (x < 0.5) {
            return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
        }
        double[] c = {
            0.99999999999980993,
            676.5203681218851,
            -1259.1392167224028,
            771.32342877765313,
            -176.61502916214059,
            12.507343278686905,
            -0.13857109526572012,
            9.9843695780195716e-6,
            1.5056327351493116e-7
        };
        double z = x - 1;
        double a = c[0];
        double t = z + 7.5;
        for (int i = 1; i < 9; i++) {
            a += c[i] / (z + i);
        }
        return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
    }
}

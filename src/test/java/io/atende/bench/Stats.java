package io.atende.bench;

import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/** Percentiles (nearest rank) over a set of values. */
final class Stats {

    final double[] sorted;

    Stats(Collection<Double> values) {
        this.sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    Stats(double[] values) {
        this.sorted = values.clone();
        Arrays.sort(sorted);
    }

    int n() {
        return sorted.length;
    }

    double p(double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q / 100.0 * sorted.length);
        return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
    }

    double max() {
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
    }

    double mean() {
        return sorted.length == 0 ? Double.NaN : Arrays.stream(sorted).average().orElse(Double.NaN);
    }

    /** n, p50, p90, p99, max, mean, rounded to 3 decimals. */
    Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", n());
        m.put("p50", r(p(50)));
        m.put("p90", r(p(90)));
        m.put("p95", r(p(95)));
        m.put("p99", r(p(99)));
        m.put("max", r(max()));
        m.put("mean", r(mean()));
        return m;
    }

    static Object r(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return null;
        }
        return Math.round(v * 1000.0) / 1000.0;
    }
}

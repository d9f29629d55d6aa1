package io.atende.llm;

/**
 * Recent mean duration of successful LLM calls (exponentially weighted), used to estimate how long a new message
 * will wait. Starts from a configured expectation so the first estimate is sensible on a cold start.
 */
public final class LlmStats {

    private static final double WEIGHT = 0.2; // ~ the last 10 calls matter

    private volatile double meanSeconds;

    public LlmStats(double expectedSeconds) {
        this.meanSeconds = expectedSeconds;
    }

    public synchronized void record(long millis) {
        meanSeconds = meanSeconds + WEIGHT * (millis / 1000.0 - meanSeconds);
    }

    public double meanSeconds() {
        return meanSeconds;
    }
}

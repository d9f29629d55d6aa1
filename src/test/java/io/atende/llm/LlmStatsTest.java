package io.atende.llm;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LlmStatsTest {

    @Test
    void startsFromTheExpectationAndFollowsRecentCalls() {
        LlmStats stats = new LlmStats(30);
        assertThat(stats.meanSeconds()).isEqualTo(30.0);
        for (int i = 0; i < 40; i++) {
            stats.record(10_000);
        }
        assertThat(stats.meanSeconds()).isCloseTo(10.0, within(0.1));
        stats.record(60_000);
        assertThat(stats.meanSeconds()).isCloseTo(20.0, within(0.1));
    }
}

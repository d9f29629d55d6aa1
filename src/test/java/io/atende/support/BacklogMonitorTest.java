package io.atende.support;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class BacklogMonitorTest {

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final BacklogMonitor monitor = new BacklogMonitor(new AtendeMetrics(registry));

    static Map<String, Object> row(String instance, Object conversations, Object oldest) {
        Map<String, Object> row = new HashMap<>();
        row.put("instance", instance);
        row.put("conversations", conversations);
        row.put("oldest_wait_seconds", oldest);
        return row;
    }

    double gauge(String name, String instance) {
        return registry.get(name).tag("instance", instance).gauge().value();
    }

    @Test
    void rowsOfTheBacklogQueryBecomeTheGaugesPerInstance() {
        monitor.publish(List.of(row("loja-a", 3L, new BigDecimal("12.5")), row("loja-b", 0L, 0.0)));

        assertThat(gauge("atende.backlog", "loja-a")).isEqualTo(3.0);
        assertThat(gauge("atende.backlog.oldest.wait", "loja-a")).isEqualTo(12.5);
        assertThat(gauge("atende.backlog", "loja-b")).isZero();
    }

    @Test
    void anInstanceMissingFromTheNextRoundReadsZeroAndOddValuesDoNotBreakTheRound() {
        monitor.publish(List.of(row("loja-a", 3L, 12.5)));
        // Clock skew between hosts can make the oldest wait slightly negative; a null count is taken as none.
        var figures = monitor.publish(List.of(row("loja-b", null, new BigDecimal("-0.2")), row(null, 5L, 1.0)));

        assertThat(figures).containsOnlyKeys("loja-b");
        assertThat(gauge("atende.backlog", "loja-a")).isZero();
        assertThat(gauge("atende.backlog.oldest.wait", "loja-b")).isZero();
        assertThat(monitor.publish(null)).isEmpty();
    }
}

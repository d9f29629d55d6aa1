package io.atende.routes;

import io.atende.store.StoreUnavailableException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * metrics.camel.yaml: refresh-backlog-gauge, driven from a direct endpoint, publishes the waiting conversations and
 * the oldest wait per instance from PostgreSQL into the gauges a scrape reads (atende_backlog,
 * atende_backlog_oldest_wait_seconds); a round that cannot read PostgreSQL keeps the last figures.
 */
class MetricsRouteTest extends RouteTestSupport {

    @Test
    void theGaugesCountWaitingConversationsPerInstanceAndADrainedInstanceReadsZero() throws Exception {
        advise("refresh-backlog-gauge", a -> a.replaceFromWith("direct:refresh-backlog-gauge"));
        startCamel();
        waiting(conversation(INSTANCE, "5511900000001@s.whatsapp.net", "idle"), 120);
        waiting(conversation(INSTANCE, "5511900000002@s.whatsapp.net", "idle"), 30);
        // At the LLM, with a newer message waiting for the next turn: not in the backlog yet.
        waiting(conversation(INSTANCE, "5511900000003@s.whatsapp.net", "answering"), 500);
        conversation(INSTANCE, "5511900000004@s.whatsapp.net", "idle"); // nothing waiting
        long other = waiting(conversation("outra", "5511900000005@s.whatsapp.net", "idle"), 10);
        instance("vazia");

        template.sendBody("direct:refresh-backlog-gauge", null);

        assertThat(gauge("atende.backlog", INSTANCE)).isEqualTo(2);
        assertThat(gauge("atende.backlog.oldest.wait", INSTANCE)).isCloseTo(120, within(10.0));
        assertThat(gauge("atende.backlog", "outra")).isEqualTo(1);
        assertThat(gauge("atende.backlog.oldest.wait", "outra")).isCloseTo(10, within(10.0));
        assertThat(gauge("atende.backlog", "vazia")).isZero();
        assertThat(gauge("atende.backlog.oldest.wait", "vazia")).isZero();

        execute("update conversations set waiting_since = null where id = ?", other); // its turn was claimed
        template.sendBody("direct:refresh-backlog-gauge", null);

        assertThat(gauge("atende.backlog", "outra")).isZero();
        assertThat(gauge("atende.backlog.oldest.wait", "outra")).isZero();
        assertThat(gauge("atende.backlog", INSTANCE)).isEqualTo(2);
    }

    @Test
    void aRoundThatCannotReadPostgresKeepsTheLastFigures() throws Exception {
        AtomicBoolean down = new AtomicBoolean();
        advise("refresh-backlog-gauge", a -> {
            a.replaceFromWith("direct:refresh-backlog-gauge");
            a.weaveById("read-backlog").before().process(e -> {
                if (down.get()) {
                    throw new StoreUnavailableException(new SQLException("connection refused"));
                }
            });
        });
        startCamel();
        waiting(conversation(INSTANCE, "5511900000001@s.whatsapp.net", "idle"), 60);
        template.sendBody("direct:refresh-backlog-gauge", null);
        assertThat(gauge("atende.backlog", INSTANCE)).isEqualTo(1);

        waiting(conversation(INSTANCE, "5511900000002@s.whatsapp.net", "idle"), 300);
        down.set(true);
        Exchange failed = template.send("direct:refresh-backlog-gauge", e -> { });

        assertThat(failed.getException()).isNull();
        assertThat(gauge("atende.backlog", INSTANCE)).isEqualTo(1);
        assertThat(gauge("atende.backlog.oldest.wait", INSTANCE)).isCloseTo(60, within(10.0));
        assertThat(warnings()).contains("Backlog gauges not refreshed this round (kept the last figures): "
                + "database unavailable: connection refused");

        down.set(false);
        template.sendBody("direct:refresh-backlog-gauge", null);

        assertThat(gauge("atende.backlog", INSTANCE)).isEqualTo(2);
        assertThat(gauge("atende.backlog.oldest.wait", INSTANCE)).isCloseTo(300, within(10.0));
    }

    /** The conversation has had a customer message waiting for this many seconds. */
    long waiting(long conversation, int seconds) {
        execute("update conversations set waiting_since = now() - ? * interval '1 second' where id = ?", seconds,
                conversation);
        return conversation;
    }

    /** One instance's gauge as a scrape of /observe/metrics reads it. */
    double gauge(String name, String instance) {
        Gauge gauge = context.getRegistry().lookupByNameAndType("metricsRegistry", MeterRegistry.class)
                .find(name).tag("instance", instance).gauge();
        assertThat(gauge).as("%s{instance=%s}", name, instance).isNotNull();
        return gauge.value();
    }
}

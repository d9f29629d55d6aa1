package io.atende.support;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Atende's business meters, exported at /observe/metrics next to Camel's own.
 * Labels stay bounded: instance names and fixed outcome codes, never a phone number.
 */
public final class AtendeMetrics {

    private final MeterRegistry registry;
    private final AtomicLong openDeadLetters = new AtomicLong();

    public AtendeMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("atende.dead.letters", openDeadLetters, AtomicLong::get)
                .description("Reply parts given up and not replayed yet (open dead letters)")
                .register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** atende_messages_total{instance,outcome}: accepted, noticed, ignored, duplicate, answered, dead... */
    public void message(String instance, String outcome) {
        Counter.builder("atende.messages")
                .description("Customer messages by outcome")
                .tag("instance", instance == null ? "unknown" : instance)
                .tag("outcome", outcome)
                .register(registry)
                .increment();
    }

    /** atende_llm_request_seconds{outcome}: one LLM call, success or failure. */
    public void llmCall(Duration took, boolean ok) {
        Timer.builder("atende.llm.request")
                .description("Duration of LLM chat calls")
                .tag("outcome", ok ? "success" : "failure")
                .publishPercentileHistogram()
                .register(registry)
                .record(took);
    }

    /** atende_llm_tokens_total{kind}: input (prompt) and output (generated) tokens as the server reported them. */
    public void llmTokens(String kind, Integer count) {
        if (count != null && count > 0) {
            Counter.builder("atende.llm.tokens").description("LLM tokens").tag("kind", kind)
                    .register(registry).increment(count);
        }
    }

    /** atende_send_seconds{outcome}: one sendText attempt to Evolution API. */
    public void send(Duration took, String outcome) {
        Timer.builder("atende.send")
                .description("Duration of Evolution API sendText attempts")
                .tag("outcome", outcome)
                .publishPercentileHistogram()
                .register(registry)
                .record(took);
    }

    /**
     * atende_dead_letters: open dead letters. A gauge over an in-memory count, seeded from PostgreSQL at startup
     * ({@link #deadLettersOpen}) and moved after each commit that opens or replays a letter, so a scrape never
     * queries the database.
     */
    public void deadLettersOpen(long count) {
        openDeadLetters.set(count);
    }

    public void deadLetterOpened() {
        openDeadLetters.incrementAndGet();
    }

    public void deadLetterReplayed() {
        openDeadLetters.updateAndGet(n -> Math.max(0, n - 1));
    }
}

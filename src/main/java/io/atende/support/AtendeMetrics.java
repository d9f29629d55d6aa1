package io.atende.support;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Atende's business meters, exported at /observe/metrics next to Camel's own.
 * Labels stay bounded: instance names (one per WhatsApp number) and fixed outcome codes, never a phone number.
 * <p>
 * Every gauge reads an in-memory value, so a scrape never queries PostgreSQL: the backlog is refreshed by a
 * periodic route ({@code refresh-backlog-gauge}), the dead letters are moved after each commit.
 */
public final class AtendeMetrics {

    /** The largest LLM or transcription call the histograms resolve: a whole prompt uncached on a slow CPU. */
    static final Duration SLOW_CALL_MAX = Duration.ofMinutes(10);


    private final MeterRegistry registry;
    private final AtomicLong openDeadLetters = new AtomicLong();
    private final AtomicInteger llmInflight = new AtomicInteger();
    private final Map<String, Backlog> backlog = new ConcurrentHashMap<>();

    /** One instance's queue: conversations waiting for an LLM turn, and how long the oldest of them has waited. */
    public record BacklogFigures(long conversations, double oldestWaitSeconds) {
    }

    private static final class Backlog {
        final AtomicReference<BacklogFigures> figures = new AtomicReference<>(new BacklogFigures(0, 0));
    }

    public AtendeMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("atende.dead.letters", openDeadLetters, AtomicLong::get)
                .description("Reply parts given up and not replayed yet (open dead letters)")
                .register(registry);
        Gauge.builder("atende.llm.inflight", llmInflight, AtomicInteger::get)
                .description("LLM calls in flight from this gateway")
                .register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Exports a setting as a gauge ({@code atende_config_<name>}), so that alert rules compare against the bound the
     * gateway really runs with instead of a copy of it.
     */
    public void setting(String name, double value, String description) {
        Gauge.builder("atende.config." + name, () -> value).description(description).register(registry);
    }

    /** atende_messages_total{instance,outcome}: accepted, noticed, ignored, duplicate, answered, fallback, dead... */
    public void message(String instance, String outcome) {
        Counter.builder("atende.messages")
                .description("Customer messages by outcome")
                .tag("instance", instance == null ? "unknown" : instance)
                .tag("outcome", outcome)
                .register(registry)
                .increment();
    }

    /** atende_handoffs_total{instance,reason}: a conversation handed to a human (operator, customer or admin). */
    public void handoff(String instance, String reason) {
        Counter.builder("atende.handoffs").description("Conversations handed to a human attendant, by reason")
                .tag("instance", instance).tag("reason", reason).register(registry).increment();
    }

    /** atende_opt_outs_total{instance}: a customer who asked the bot to stop. */
    public void optOut(String instance) {
        Counter.builder("atende.opt.outs").description("Customers who opted out of automatic messages")
                .tag("instance", instance).register(registry).increment();
    }

    /** atende_out_of_hours_total{instance,policy}: a customer message received while the number was closed. */
    public void outOfHours(String instance, String policy) {
        Counter.builder("atende.out.of.hours").description("Customer messages received outside business hours")
                .tag("instance", instance).tag("policy", policy).register(registry).increment();
    }

    /**
     * atende_voice_notes_total{instance,outcome}: a voice note transcribed, failed (the customer asked to type),
     * too_long (declined), or superseded (another replica had taken it over).
     */
    public void voiceNote(String instance, String outcome) {
        Counter.builder("atende.voice.notes").description("Customer voice notes, by what became of them")
                .tag("instance", instance).tag("outcome", outcome).register(registry).increment();
    }

    /** atende_stt_request_seconds{outcome}: one transcription, from fetching the audio to the transcript. */
    public void transcription(Duration took, boolean ok) {
        outcomeTimer("atende.stt.request", "Duration of voice-note transcriptions (audio download and speech to text)",
                took, ok);
    }

    /** atende_typing_total{instance,outcome}: one "digitando…" presence to Evolution - sent, failed or unreachable. */
    public void typing(String instance, String outcome) {
        Counter.builder("atende.typing").description("Typing presences (\"digitando…\") posted to Evolution, by outcome")
                .tag("instance", instance).tag("outcome", outcome).register(registry).increment();
    }

    /** atende_llm_request_seconds{outcome}: one LLM call, success or failure. */
    public void llmCall(Duration took, boolean ok) {
        outcomeTimer("atende.llm.request", "Duration of LLM chat calls", took, ok);
    }

    /** atende_llm_first_token_seconds: from sending the request to the first streamed piece of the answer. */
    public void llmFirstToken(Duration took) {
        Timer.builder("atende.llm.first.token")
                .description("Time from an LLM request to its first streamed token")
                .publishPercentileHistogram()
                .maximumExpectedValue(SLOW_CALL_MAX)
                .register(registry)
                .record(took);
    }

    /** One LLM call in flight, counted until closed. */
    public interface InFlight extends AutoCloseable {
        @Override
        void close();
    }

    /** Counts one LLM call in flight until the returned handle is closed (atende_llm_inflight). */
    public InFlight llmCallStarted() {
        llmInflight.incrementAndGet();
        return llmInflight::decrementAndGet;
    }

    public int llmInflight() {
        return llmInflight.get();
    }

    /**
     * atende_llm_cache_affinity_total{outcome}: one claimed turn, and why it was picked - its slot served its
     * conversation (conversation) or its number (instance) last, plain round robin, or round robin forced by the
     * ATENDE_CACHE_AFFINITY_MAX_WAIT_S bound over a conversation a free slot served (fairness).
     */
    public void cacheAffinity(String outcome) {
        Counter.builder("atende.llm.cache.affinity")
                .description("Claimed LLM turns by how the claim matched them to a free slot's KV cache")
                .tag("outcome", outcome).register(registry).increment();
    }

    /** atende_llm_tokens_total{kind}: input (prompt) and output (generated) tokens as the server reported them. */
    public void llmTokens(String kind, Integer count) {
        if (count != null && count > 0) {
            Counter.builder("atende.llm.tokens").description("LLM tokens").tag("kind", kind)
                    .register(registry).increment(count);
        }
    }

    /** atende_wait_seconds{instance}: how long a conversation waited in the durable queue before its LLM turn began. */
    public void waited(String instance, Duration waited) {
        recordPerInstance("atende.wait", "Time a conversation waited in the queue before its LLM turn started",
                instance, waited);
    }

    /** atende_reply_seconds{instance}: from the customer's message to the last part of the answer accepted by Evolution. */
    public void replied(String instance, Duration took) {
        recordPerInstance("atende.reply", "Time from a customer's message to the delivered answer", instance, took);
    }

    /** A per-instance histogram of waits up to an hour; clock skew between rows never records a negative time. */
    private void recordPerInstance(String name, String description, String instance, Duration took) {
        Timer.builder(name)
                .description(description)
                .tag("instance", instance == null ? "unknown" : instance)
                .publishPercentileHistogram()
                .maximumExpectedValue(Duration.ofHours(1))
                .register(registry)
                .record(took.isNegative() ? Duration.ZERO : took);
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
     * atende_backlog{instance} and atende_backlog_oldest_wait_seconds{instance}: replaces the cached figures of
     * every instance. An instance that no longer appears keeps its series at 0, so a drained queue reads 0
     * rather than disappearing.
     */
    public void backlog(Map<String, BacklogFigures> figures) {
        figures.forEach((instance, f) -> backlogOf(instance).figures.set(f));
        backlog.forEach((instance, b) -> {
            if (!figures.containsKey(instance)) {
                b.figures.set(new BacklogFigures(0, 0));
            }
        });
    }

    private Backlog backlogOf(String instance) {
        return backlog.computeIfAbsent(instance, name -> {
            Backlog b = new Backlog();
            Tags tags = Tags.of("instance", name);
            Gauge.builder("atende.backlog", b, x -> x.figures.get().conversations())
                    .description("Conversations waiting for an LLM turn (refreshed periodically)")
                    .tags(tags).register(registry);
            Gauge.builder("atende.backlog.oldest.wait", b, x -> x.figures.get().oldestWaitSeconds())
                    .description("How long the oldest waiting conversation has waited (refreshed periodically)")
                    .baseUnit("seconds").tags(tags).register(registry);
            return b;
        });
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

    /** A histogram of one kind of call, tagged {@code outcome} success or failure. */
    private void outcomeTimer(String name, String description, Duration took, boolean ok) {
        Timer.builder(name)
                .description(description)
                .tag("outcome", ok ? "success" : "failure")
                .publishPercentileHistogram()
                // on a CPU host one call takes tens of seconds: the default buckets stop at 30 s
                .maximumExpectedValue(SLOW_CALL_MAX)
                .register(registry)
                .record(took);
    }
}

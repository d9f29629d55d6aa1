package io.atende.ingest;

import io.atende.conversation.ConversationQueue;
import org.apache.camel.Exchange;
import org.apache.camel.Predicate;

/**
 * The decisions the intake routes take on a persisted webhook, as plain predicates for the YAML filters
 * ({@code ref: queuedForTheLlm}). Simple's {@code ${body.queuedForAnswer()}} said the same, but resolved the method
 * by reflection on every webhook: a measurable share of the ingest path's CPU (issue 4's benchmark).
 */
public final class IntakeDecisions {

    private IntakeDecisions() {
    }

    /** The body is an {@link IngestOutcome} whose message now waits for the LLM. */
    public static Predicate queuedForTheLlm() {
        return named("queuedForTheLlm", e -> e.getMessage().getBody(IngestOutcome.class).queuedForAnswer());
    }

    /** The body is an {@link IngestOutcome} that owes the customer a notice now (media, busy). */
    public static Predicate noticeOwed() {
        return named("noticeOwed", e -> e.getMessage().getBody(IngestOutcome.class).hasNotices());
    }

    /** Waking the dispatcher can help: this replica's own turns do not hold every LLM slot. */
    public static Predicate llmSlotMayBeFree(ConversationQueue queue) {
        return named("llmSlotMayBeFree", e -> queue.slotMayBeFree());
    }

    private static Predicate named(String name, java.util.function.Predicate<Exchange> test) {
        return new Predicate() {
            @Override
            public boolean matches(Exchange exchange) {
                return test.test(exchange);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }
}

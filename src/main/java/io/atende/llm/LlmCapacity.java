package io.atende.llm;

import java.util.function.IntSupplier;

/**
 * How many LLM calls may run at once across all replicas: the durable queue never claims more turns than
 * {@link #slotsNow()}, and each replica runs {@link #slots()} LLM workers.
 *
 * @param slots   the most calls at once: {@code ATENDE_LLM_PARALLEL}, or the sum of the backends' slots
 * @param healthy the slots usable now (with several backends, those whose breaker is not open)
 */
public record LlmCapacity(int slots, IntSupplier healthy) {

    public LlmCapacity {
        if (slots < 1) {
            throw new IllegalArgumentException("the LLM needs at least one slot (ATENDE_LLM_PARALLEL), got " + slots);
        }
    }

    public int slotsNow() {
        return healthy.getAsInt();
    }
}

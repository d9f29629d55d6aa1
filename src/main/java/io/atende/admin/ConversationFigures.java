package io.atende.admin;

import java.time.Instant;
import java.util.Map;

/**
 * What the {@code refresh-conversation-gauges} route read from PostgreSQL in one round.
 *
 * @param at                      the gateway's time the states were decided at
 * @param states                  per instance (every known one), the conversations per API state; a state without
 *                                any is absent
 * @param oldestUnansweredHandoff per instance, the start of the oldest customer handoff the operator has not written
 *                                in since; an instance without one is absent
 */
public record ConversationFigures(Instant at, Map<String, Map<String, Long>> states,
                                  Map<String, Instant> oldestUnansweredHandoff) {
}

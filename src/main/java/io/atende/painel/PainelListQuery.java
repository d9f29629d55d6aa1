package io.atende.painel;

import io.atende.admin.ConversationQuery;
import io.atende.admin.HandoffQuery;

/**
 * The Conversas page's filter, as the admin beans take it: "precisa de atendente" is the handoff list (with each
 * customer's wait in business hours); every other filter is a page of conversations.
 *
 * @param handoffs      true: read {@link #handoffQuery}; false: {@link #conversationQuery}
 */
public record PainelListQuery(boolean handoffs, HandoffQuery handoffQuery, ConversationQuery conversationQuery) {
}

package io.atende.admin;

import java.util.List;

/** One page of {@code GET /admin/conversations}: newest activity first, and whether a next page has any. */
public record ConversationPage(ConversationQuery query, List<ConversationSummary> items, boolean hasMore) {
}

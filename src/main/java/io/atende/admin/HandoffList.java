package io.atende.admin;

import java.util.List;

/** {@code GET /admin/handoffs}: the customers' handoffs, oldest first. */
public record HandoffList(HandoffQuery query, List<Handoff> items) {
}

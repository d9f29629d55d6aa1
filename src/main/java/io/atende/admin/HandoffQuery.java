package io.atende.admin;

/**
 * {@code GET /admin/handoffs}, its parameters checked.
 *
 * @param instance only this instance's handoffs, or null for all
 * @param unmask   show whole phone numbers
 */
public record HandoffQuery(String instance, boolean unmask) {
}

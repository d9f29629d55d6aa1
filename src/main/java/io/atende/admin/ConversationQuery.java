package io.atende.admin;

/**
 * {@code GET /admin/conversations}, its parameters checked.
 *
 * @param instance only this instance's conversations, or null for all
 * @param state    {@code waiting}, {@code answering} or {@code idle}, or null for all
 * @param q        part of the contact's digits or push name, or null
 * @param page     from 1, {@link ConversationBrowser#PAGE_SIZE} a page
 * @param unmask   show whole phone numbers
 */
public record ConversationQuery(String instance, String state, String q, int page, boolean unmask) {
}

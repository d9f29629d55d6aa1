package io.atende.admin;

/**
 * {@code GET /admin/conversations}, its parameters checked.
 *
 * @param instance only this instance's conversations, or null for all
 * @param state    {@code waiting}, {@code answering} or {@code idle}, or null for all
 * @param q        part of the contact's digits or push name, or null
 * @param page     from 1, {@link ConversationBrowser#PAGE_SIZE} a page
 * @param unmask   show whole phone numbers
 * @param reasons  with state {@code human}: only these handoff reasons ({@code operator}, {@code customer},
 *                 {@code admin}), or null for any (the Painel's "pausadas" filter)
 */
public record ConversationQuery(String instance, String state, String q, int page, boolean unmask,
                                java.util.List<String> reasons) {

    public ConversationQuery(String instance, String state, String q, int page, boolean unmask) {
        this(instance, state, q, page, unmask, null);
    }

    public ConversationQuery {
        reasons = reasons == null ? null : java.util.List.copyOf(reasons);
    }
}

package io.atende.painel;

import io.atende.admin.ConversationAddress;
import io.atende.admin.ConversationBrowser;
import io.atende.admin.ConversationHandoffs;
import io.atende.admin.ConversationNotFoundException;
import io.atende.admin.ConversationQuery;
import io.atende.admin.HandoffQuery;
import io.atende.admin.PauseRequest;
import io.atende.admin.TranscriptQuery;
import io.atende.store.Sql;
import io.atende.store.Transactions;

import java.util.List;
import java.util.Locale;

/**
 * The Painel's conversations, scoped to the session: an operator sees only its own number (another number's
 * conversation is simply not found), and never whole phone numbers; the admin sees all and may unmask. The work
 * itself is the admin API's beans' ({@link ConversationBrowser}, {@link ConversationHandoffs}).
 */
public final class PainelConversations {

    /** The Conversas filters: precisa de atendente, pausadas, aguardando IA, opt-out, todas. */
    public static final List<String> FILTERS = List.of("atendente", "pausadas", "ia", "optout", "todas");

    private final Transactions tx;
    private final ConversationBrowser browser;
    private final ConversationHandoffs handoffs;

    public PainelConversations(Transactions tx, ConversationBrowser browser, ConversationHandoffs handoffs) {
        this.tx = tx;
        this.browser = browser;
        this.handoffs = handoffs;
    }

    /**
     * @throws PainelException 400 for an unknown filter; 404 when an operator names another number
     */
    public PainelListQuery listQuery(PainelSession session, String filter, String instance, String q, String page,
                                     String unmask) {
        String f = filter == null || filter.isBlank() ? "todas" : filter.strip().toLowerCase(Locale.ROOT);
        if (!FILTERS.contains(f)) {
            throw PainelException.badRequest("filter", "filter must be one of " + String.join(", ", FILTERS));
        }
        String scoped = scope(session, instance);
        String shown = session.admin() ? unmask : null;
        if (f.equals("atendente")) {
            HandoffQuery h = handoffs.handoffQuery(scoped, shown);
            return new PainelListQuery(true, h, null);
        }
        String state = switch (f) {
            case "pausadas" -> "human";
            case "ia" -> "waiting";
            case "optout" -> "opted_out";
            default -> null;
        };
        ConversationQuery c = browser.query(scoped, state, q, page, shown);
        if (f.equals("pausadas")) {
            // paused by someone at the business (a message from its phone, or this page / the admin API)
            c = new ConversationQuery(c.instance(), c.state(), c.q(), c.page(), c.unmask(), List.of("operator", "admin"));
        }
        return new PainelListQuery(false, null, c);
    }

    /**
     * The conversation with this id, if the session may see it.
     *
     * @throws ConversationNotFoundException no such conversation, or another number's for an operator
     */
    public ConversationAddress address(PainelSession session, String id) {
        long conversationId;
        try {
            conversationId = Long.parseLong(id == null ? "" : id.strip());
        } catch (NumberFormatException e) {
            throw new ConversationNotFoundException();
        }
        record Row(String instance, String jid) {
        }
        Row row = tx.inTransaction(c -> Sql.one(c, """
                select i.name, c.contact_jid from conversations c join instances i on i.id = c.instance_id
                 where c.id = ?""", rs -> new Row(rs.getString(1), rs.getString(2)), conversationId));
        if (row == null || (!session.admin() && !session.instance().equals(row.instance()))) {
            throw new ConversationNotFoundException();
        }
        int at = row.jid().indexOf('@');
        return new ConversationAddress(row.instance(), at < 0 ? row.jid() : row.jid().substring(0, at));
    }

    /** The transcript's query; only the admin may unmask. */
    public TranscriptQuery transcriptQuery(PainelSession session, ConversationAddress at, String before,
                                           String unmask) {
        return browser.transcriptQuery(at.instance(), at.contactDigits(), before, session.admin() ? unmask : null);
    }

    public PauseRequest pauseRequest(ConversationAddress at, String body) {
        return handoffs.pauseRequest(at.instance(), at.contactDigits(), body);
    }

    /**
     * The number a request may read: an operator's own (another one is not found); the admin's as asked (null: all).
     *
     * @throws PainelException 404 when an operator names another number
     */
    static String scope(PainelSession session, String instance) {
        String asked = instance == null || instance.isBlank() ? null : instance.strip();
        if (session.admin()) {
            return asked;
        }
        if (asked != null && !asked.equals(session.instance())) {
            throw PainelException.notFound();
        }
        return session.instance();
    }
}

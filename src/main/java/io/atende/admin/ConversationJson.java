package io.atende.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.atende.support.LogMask;

import java.time.Instant;

/**
 * The conversations' JSON answers. Phone numbers (and LIDs) are masked as the logs mask them
 * ({@code 5521*******21}) unless the query asked for {@code unmask=true}; message texts are shown whole.
 */
public final class ConversationJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The Painel's renderer adds each conversation's id: it addresses a conversation by id, its number masked. */
    private final boolean withIds;

    public ConversationJson() {
        this(false);
    }

    public ConversationJson(boolean withIds) {
        this.withIds = withIds;
    }

    /** {@code {"page":1,"pageSize":50,"hasMore":false,"items":[...]}} */
    public String page(ConversationPage page) {
        ObjectNode body = JSON.createObjectNode();
        body.put("page", page.query().page());
        body.put("pageSize", ConversationBrowser.PAGE_SIZE);
        body.put("hasMore", page.hasMore());
        ArrayNode items = body.putArray("items");
        page.items().forEach(s -> items.add(identified(s, page.query().unmask())));
        return body.toString();
    }

    /** {@code {"conversation":{...},"hasMore":false,"messages":[...]}}, the messages oldest first. */
    public String transcript(Transcript transcript) {
        boolean unmask = transcript.query().unmask();
        ObjectNode body = JSON.createObjectNode();
        body.set("conversation", identified(transcript.conversation(), unmask));
        body.put("pageSize", ConversationBrowser.TRANSCRIPT_SIZE);
        body.put("hasMore", transcript.hasMore());
        ArrayNode messages = body.putArray("messages");
        for (TranscriptMessage m : transcript.messages()) {
            ObjectNode n = messages.addObject();
            n.put("id", m.id());
            n.put("direction", m.direction());
            n.put("kind", m.kind());
            n.put("status", m.status());
            n.put("text", m.text());
            instant(n, "at", m.at());
            if (m.partIndex() == null) {
                n.putNull("partIndex");
            } else {
                n.put("partIndex", m.partIndex());
            }
            if (m.partCount() == null) {
                n.putNull("partCount");
            } else {
                n.put("partCount", m.partCount());
            }
            n.put("ignoreReason", m.ignoreReason());
            n.put("remoteJid", m.remoteJid() == null ? null : unmask ? m.remoteJid() : LogMask.jid(m.remoteJid()));
        }
        return body.toString();
    }

    /**
     * {@code {"items":[{"instance":…,"contact":…,"contactType":…,"pushName":…,"since":…,"until":…,
     * "operatorAnswered":false,"waitingSeconds":120}]}}, oldest handoff first; numbers masked unless asked for.
     */
    public String handoffs(HandoffList list) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode items = body.putArray("items");
        for (Handoff h : list.items()) {
            ObjectNode n = items.addObject();
            if (withIds) {
                n.put("id", h.conversationId());
            }
            n.put("instance", h.instance());
            contact(n, h.contactJid(), list.query().unmask());
            n.put("pushName", h.pushName());
            instant(n, "since", h.since());
            instant(n, "until", h.until());
            n.put("operatorAnswered", h.operatorAnswered());
            n.put("waitingSeconds", h.waitingSeconds());
        }
        return body.toString();
    }

    /** One conversation's summary as the list shows it (the pause and resume operations answer it). */
    public String conversation(ConversationSummary summary) {
        return identified(summary, false).toString();
    }

    private ObjectNode identified(ConversationSummary s, boolean unmask) {
        ObjectNode n = summary(s, unmask);
        if (withIds) {
            ObjectNode first = JSON.createObjectNode();
            first.put("id", s.id());
            first.setAll(n);
            return first;
        }
        return n;
    }

    static ObjectNode summary(ConversationSummary s, boolean unmask) {
        ObjectNode n = JSON.createObjectNode();
        n.put("instance", s.instance());
        contact(n, s.contactJid(), unmask);
        n.put("pushName", s.pushName());
        n.put("state", s.state());
        instant(n, "waitingSince", s.waitingSince());
        instant(n, "lastMessageAt", s.lastMessageAt());
        ObjectNode counts = n.putObject("counts");
        counts.put("in", s.messagesIn());
        counts.put("out", s.messagesOut());
        counts.put("waiting", s.waiting());
        if (s.human() == null) {
            n.putNull("human");
        } else {
            ObjectNode human = n.putObject("human");
            human.put("reason", s.human().reason());
            instant(human, "since", s.human().since());
            instant(human, "until", s.human().until());
            human.put("secondsLeft", s.human().secondsLeft());
        }
        instant(n, "optedOutAt", s.optedOutAt());
        return n;
    }

    /** {@code contact} (the digits, masked unless asked for) and {@code contactType} ({@code phone} or {@code lid}). */
    static void contact(ObjectNode n, String contactJid, boolean unmask) {
        int at = contactJid.indexOf('@');
        String digits = at < 0 ? contactJid : contactJid.substring(0, at);
        n.put("contact", unmask ? digits : LogMask.phone(digits));
        n.put("contactType", contactJid.endsWith("@lid") ? "lid" : "phone");
    }

    static void instant(ObjectNode n, String name, Instant value) {
        if (value == null) {
            n.putNull(name);
        } else {
            n.put(name, value.toString());
        }
    }
}

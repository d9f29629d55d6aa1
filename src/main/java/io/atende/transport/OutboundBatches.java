package io.atende.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.atende.conversation.ConversationQueue;
import io.atende.reply.OutboundMessage;
import io.atende.store.Sql;
import io.atende.store.Transactions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Replies on the {@code atende.outbound} topic. The text and state of every part are already in PostgreSQL (stored
 * before any send), so a record carries only the conversation and the ids of its parts: a replica that consumes it
 * reloads the parts still pending and, for an answer, takes over the conversation's lease before delivering.
 */
public final class OutboundBatches {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Transactions tx;
    private final ConversationQueue queue;

    public OutboundBatches(Transactions tx, ConversationQueue queue) {
        this.tx = tx;
        this.queue = queue;
    }

    /** Record key: the conversation, so that the replies of one conversation stay ordered on one partition. */
    public String key(List<OutboundMessage> batch) {
        return String.valueOf(batch.get(0).conversationId());
    }

    public String encode(List<OutboundMessage> batch) {
        ObjectNode n = JSON.createObjectNode();
        n.put("conversationId", batch.get(0).conversationId());
        n.put("kind", batch.get(0).kind());
        var ids = n.putArray("messageIds");
        batch.forEach(m -> ids.add(m.id()));
        return n.toString();
    }

    /**
     * @return the parts of the batch still to send, in order; empty when there is nothing left to do (delivered
     * already, or the conversation's reply was taken over by another replica after an expired lease)
     */
    public List<OutboundMessage> decode(String record) {
        JsonNode n;
        try {
            n = JSON.readTree(record);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long conversationId = n.path("conversationId").asLong();
        List<Long> ids = new ArrayList<>();
        n.path("messageIds").forEach(x -> ids.add(x.asLong()));
        if ("answer".equals(n.path("kind").asText()) && !queue.adoptReply(conversationId, ids)) {
            return List.of();
        }
        return tx.inTransaction(c -> Sql.query(c, OutboundMessage.SELECT_PENDING + "m.id = any(?) order by m.id",
                OutboundMessage::fromRow, (Object) ids.toArray(Long[]::new)));
    }
}

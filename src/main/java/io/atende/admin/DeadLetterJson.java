package io.atende.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.List;

/** The admin API's JSON answers. A {@link DeadLetter} carries no message text, so none can be rendered. */
public final class DeadLetterJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code [ {...}, ... ]}, in the order given (newest first). */
    public String list(List<DeadLetter> letters) {
        ArrayNode array = JSON.createArrayNode();
        letters.forEach(l -> array.add(node(l)));
        return array.toString();
    }

    public String letter(DeadLetter letter) {
        return node(letter).toString();
    }

    public String replaying() {
        return "{\"status\":\"replaying\"}";
    }

    private static ObjectNode node(DeadLetter l) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", l.id());
        n.put("messageId", l.messageId());
        n.put("instance", l.instance());
        n.put("contact", l.contact());
        n.put("kind", l.kind());
        n.put("reason", l.reason());
        if (l.lastHttpStatus() == null) {
            n.putNull("lastHttpStatus");
        } else {
            n.put("lastHttpStatus", l.lastHttpStatus());
        }
        n.put("attempts", l.attempts());
        n.put("textLength", l.textLength());
        n.put("createdAt", text(l.createdAt()));
        n.put("replayedAt", text(l.replayedAt()));
        n.put("replayCount", l.replayCount());
        return n;
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}

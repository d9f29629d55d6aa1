package io.atende.reply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Locale;

/**
 * The Evolution API {@code POST /message/sendText/{instance}} contract: the request body, and what each answer means.
 * 201 is the only success; its {@code key.id} is the WhatsApp id of our message.
 */
public final class EvolutionSendText {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * {"number": ..., "text": ..., "delay": ...}: digits for a phone JID, the full JID for a LID (Evolution accepts
     * both). With a delay Evolution shows "digitando…" for that many milliseconds before it sends, and answers only
     * then; without one (0) the field is left out and the text goes at once.
     */
    public String requestBody(OutboundMessage m, long delayMillis) {
        ObjectNode body = JSON.createObjectNode();
        body.put("number", number(m.contactJid()));
        body.put("text", m.text());
        if (delayMillis > 0) {
            body.put("delay", delayMillis);
        }
        return body.toString();
    }

    static String number(String contactJid) {
        if (contactJid.endsWith("@s.whatsapp.net")) {
            return contactJid.substring(0, contactJid.indexOf('@'));
        }
        return contactJid;
    }

    /**
     * @return the WhatsApp message id Evolution assigned (may be null if the body lacks it)
     * @throws SendRejectedException for answers that retrying cannot fix
     * @throws SendFailedException   for answers worth retrying
     */
    public String acceptedId(int status, String responseBody) {
        if (status == 201 || status == 200) {
            try {
                JsonNode id = JSON.readTree(responseBody == null ? "{}" : responseBody).path("key").path("id");
                return id.isTextual() ? id.asText() : null;
            } catch (Exception e) {
                return null; // accepted all the same; only the echo recognition loses this id
            }
        }
        String detail = summary(responseBody);
        // Evolution reports a disconnected instance as 400 or 500 with "Connection Closed": worth retrying.
        boolean disconnected = detail.contains("Connection Closed");
        if (!disconnected && (status == 400 || status == 401 || status == 403 || status == 404 || status == 422)) {
            throw new SendRejectedException(status, detail);
        }
        throw new SendFailedException("Evolution API answered HTTP " + status + ": " + detail);
    }

    /** Evolution's error shape {"status","error","response":{"message":...}}, shortened for logs and the attempts table. */
    static String summary(String body) {
        if (body == null || body.isBlank()) {
            return "(empty body)";
        }
        try {
            JsonNode n = JSON.readTree(body);
            JsonNode msg = n.path("response").path("message");
            String s = msg.isMissingNode() ? n.path("error").asText(body) : msg.toString();
            return s.length() > 300 ? s.substring(0, 300) + "…" : s;
        } catch (Exception e) {
            String s = body.strip();
            return (s.length() > 300 ? s.substring(0, 300) + "…" : s).toLowerCase(Locale.ROOT).contains("<html")
                    ? "(html error page)" : s;
        }
    }
}

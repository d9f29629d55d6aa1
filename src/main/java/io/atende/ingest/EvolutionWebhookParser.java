package io.atende.ingest;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.atende.ingest.InboundEvent.IgnoreReason;
import io.atende.ingest.InboundEvent.Kind;
import java.io.IOException;
import java.time.Instant;
import java.util.Locale;

/**
 * Turns an Evolution API webhook body into an {@link InboundEvent}.
 *
 * <p>The body is read into a {@link JsonNode} tree and only the fields we need are looked up. Nothing is
 * bound to Java types, so the two encodings of bytes and 64-bit fields (Evolution 2.3.5 vs 2.3.6+) and any
 * field added by a future version pass through untouched. Thread-safe: the mapper is configured once.
 */
public final class EvolutionWebhookParser {

    public static final String MESSAGES_UPSERT = "messages.upsert";

    /** Timestamps above this are milliseconds: 10^12 seconds is the year 33658. */
    private static final long MILLIS_THRESHOLD = 1_000_000_000_000L;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // "{...} junk" is a broken body, not a valid one with noise after it.
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /**
     * @throws BadWebhookException when the body is not a JSON object with string {@code event} and
     *                             {@code instance}, or a {@code messages.upsert} lacks {@code data.key.id}
     *                             or {@code data.key.remoteJid}
     */
    public InboundEvent parse(byte[] body) {
        JsonNode root = readObject(body);
        String instance = requiredText(root, "instance", "webhook body needs a non-blank string 'instance'");
        String event = normaliseEventName(
                requiredText(root, "event", "webhook body needs a non-blank string 'event'"));
        if (!event.equals(MESSAGES_UPSERT)) {
            return InboundEvent.otherEvent(instance, event);
        }
        return parseMessage(instance, event, root.get("data"));
    }

    private static final byte[] BASE64_FIELD = "\"base64\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * The body without the media Evolution puts in it when the instance's webhook has {@code base64: true}
     * ({@code data.message.base64}): raw audio and images are never persisted or published. Bodies without that field
     * (nearly all) come back as they are, after a byte scan; a body that does not parse is left to {@link #parse}.
     */
    public byte[] withoutMedia(byte[] body) {
        if (body == null || indexOf(body, BASE64_FIELD) < 0) {
            return body;
        }
        try {
            JsonNode root = MAPPER.readTree(body);
            JsonNode message = root == null ? null : root.path("data").get("message");
            if (message instanceof com.fasterxml.jackson.databind.node.ObjectNode m && m.remove("base64") != null) {
                return MAPPER.writeValueAsBytes(root);
            }
        } catch (IOException e) {
            // not JSON: parse() answers 400
        }
        return body;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** {@code MESSAGES_UPSERT} (env/filter spelling) and {@code messages-upsert} (by-events path) alike. */
    static String normaliseEventName(String event) {
        return event.strip().toLowerCase(Locale.ROOT).replace('_', '.').replace('-', '.');
    }

    private static JsonNode readObject(byte[] body) {
        if (body == null || body.length == 0) {
            throw new BadWebhookException("webhook body is empty");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (IOException e) {
            // Jackson's message quotes the input: never pass it on.
            throw new BadWebhookException("webhook body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new BadWebhookException("webhook body must be a JSON object");
        }
        return root;
    }

    private static InboundEvent parseMessage(String instance, String event, JsonNode data) {
        if (data == null || !data.isObject()) {
            throw new BadWebhookException("messages.upsert needs a 'data' object");
        }
        JsonNode key = data.get("key");
        if (key == null || !key.isObject()) {
            throw new BadWebhookException("messages.upsert needs a 'data.key' object");
        }
        String id = requiredText(key, "id", "messages.upsert needs a non-blank string 'data.key.id'");
        String chatJid = Jids.stripDevice(
                requiredText(key, "remoteJid", "messages.upsert needs a non-blank string 'data.key.remoteJid'"));
        String altJid = Jids.stripDevice(optionalText(key, "remoteJidAlt"));

        // Which of remoteJid/remoteJidAlt holds the phone and which the LID depends on the Evolution
        // version and the addressing mode, so look at the server part instead of the field name.
        String phoneJid = Jids.isPhone(chatJid) ? chatJid : Jids.isPhone(altJid) ? altJid : null;
        String lidJid = Jids.isLid(chatJid) ? chatJid : Jids.isLid(altJid) ? altJid : null;
        String contactJid = phoneJid != null ? phoneJid : lidJid != null ? lidJid : chatJid;

        boolean fromMe = isTrue(key.get("fromMe"));
        String pushName = optionalText(data, "pushName");
        Instant sentAt = timestamp(data.get("messageTimestamp"));
        MessageContent content = MessageContent.of(data.get("message"));
        String messageType = optionalText(data, "messageType");
        if (messageType == null) {
            messageType = content.contentKey();
        }

        IgnoreReason reason = ignoreReason(chatJid, fromMe, content);
        Kind kind = reason != null ? Kind.IGNORED
                : content.category() == MessageContent.Category.TEXT ? Kind.TEXT
                : Kind.MEDIA_WITHOUT_TEXT;
        // Operator messages keep their text: human handoff needs to see what the operator wrote.
        String text = kind == Kind.TEXT || reason == IgnoreReason.FROM_ME ? content.text() : null;

        return new InboundEvent(instance, event, id, chatJid, contactJid, phoneJid, lidJid, fromMe, pushName,
                kind, text, messageType, reason, sentAt, kind == Kind.MEDIA_WITHOUT_TEXT ? content.seconds() : null);
    }

    /** Where the chat is decides first, then who wrote it, then what it is. */
    private static IgnoreReason ignoreReason(String chatJid, boolean fromMe, MessageContent content) {
        if (Jids.isGroup(chatJid)) {
            return IgnoreReason.GROUP;
        }
        if (Jids.isStatusBroadcast(chatJid)) {
            return IgnoreReason.STATUS_BROADCAST;
        }
        if (Jids.isBroadcast(chatJid)) {
            return IgnoreReason.BROADCAST_LIST;
        }
        if (Jids.isNewsletter(chatJid)) {
            return IgnoreReason.NEWSLETTER;
        }
        if (fromMe) {
            return IgnoreReason.FROM_ME;
        }
        return switch (content.category()) {
            case REACTION -> IgnoreReason.REACTION;
            case PROTOCOL -> IgnoreReason.PROTOCOL;
            case TEXT, MEDIA -> null;
        };
    }

    private static Instant timestamp(JsonNode node) {
        Long value = ProtobufLong.read(node);
        if (value == null || value <= 0) {
            return null;
        }
        return value > MILLIS_THRESHOLD ? Instant.ofEpochMilli(value) : Instant.ofEpochSecond(value);
    }

    private static boolean isTrue(JsonNode node) {
        return node != null && (node.isBoolean() ? node.booleanValue()
                : node.isTextual() && node.textValue().strip().equalsIgnoreCase("true"));
    }

    private static String requiredText(JsonNode parent, String field, String problem) {
        String value = optionalText(parent, field);
        if (value == null) {
            throw new BadWebhookException(problem);
        }
        return value;
    }

    /** The field as a string when it is a non-blank JSON string; null otherwise. */
    private static String optionalText(JsonNode parent, String field) {
        JsonNode node = parent.get(field);
        return node != null && node.isTextual() && !node.textValue().isBlank() ? node.textValue() : null;
    }
}

package io.atende.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a WhatsApp proto {@code Message} (as JSON) contains, from a customer-service point of view.
 *
 * <p>Only the fields we need are looked up by name; everything else, including bytes and 64-bit fields in
 * whatever encoding, is never touched.
 *
 * @param category   what kind of content it is
 * @param text       trimmed, non-blank text (message body, caption or transcript), or null
 * @param contentKey the proto field holding the content, e.g. {@code imageMessage}; null if none found
 * @param seconds    for audio without a transcript (a voice note): its {@code seconds}, 0 when the payload lacks it;
 *                   null for anything else
 */
record MessageContent(Category category, String text, String contentKey, Integer seconds) {

    MessageContent(Category category, String text, String contentKey) {
        this(category, text, contentKey, null);
    }

    enum Category { TEXT, MEDIA, REACTION, PROTOCOL }

    /**
     * Envelopes whose {@code .message} holds the real content. Evolution does not unwrap them (only
     * {@code documentWithCaptionMessage} since 2.2), so disappearing-mode chats and view-once media would
     * otherwise look empty.
     */
    private static final List<String> WRAPPERS = List.of(
            "ephemeralMessage",
            "viewOnceMessage",
            "viewOnceMessageV2",
            "viewOnceMessageV2Extension",
            "documentWithCaptionMessage",
            "editedMessage");

    /** Fields that carry the user's text, in the order we prefer them. */
    private static final List<String[]> TEXT_FIELDS = List.of(
            new String[] {"conversation"},
            new String[] {"extendedTextMessage", "text"},
            new String[] {"imageMessage", "caption"},
            new String[] {"videoMessage", "caption"},
            new String[] {"documentMessage", "caption"});

    /** Content a person sent on purpose but that has no text we can read. */
    private static final Set<String> MEDIA = Set.of(
            "audioMessage", "imageMessage", "videoMessage", "documentMessage", "ptvMessage",
            "stickerMessage", "stickerPackMessage",
            "locationMessage", "liveLocationMessage",
            "contactMessage", "contactsArrayMessage",
            "pollCreationMessage", "pollCreationMessageV2", "pollCreationMessageV3",
            "eventMessage", "groupInviteMessage", "productMessage", "orderMessage");

    private static final Set<String> REACTIONS = Set.of("reactionMessage", "encReactionMessage");

    /** Bookkeeping that rides along with real content; never a content key on its own. */
    private static final Set<String> NOT_CONTENT = Set.of("senderKeyDistributionMessage", "messageContextInfo");

    /** protobuf {@code ProtocolMessage.Type.MESSAGE_EDIT}, as a number (2.3.6+) or enum name (older). */
    private static final int MESSAGE_EDIT = 14;

    /** Guards against hostile nesting; real messages have at most two or three layers. */
    private static final int MAX_UNWRAP_DEPTH = 8;

    private static final String SPEECH_TO_TEXT_PREFIX = "[audio]";

    /** Classifies {@code data.message}; a missing or non-object message is protocol noise. */
    static MessageContent of(JsonNode message) {
        if (message == null || !message.isObject()) {
            return new MessageContent(Category.PROTOCOL, null, null);
        }
        JsonNode content = unwrap(message);
        if (content == null) {
            return new MessageContent(Category.PROTOCOL, null, firstContentKey(message));
        }
        for (String reaction : REACTIONS) {
            if (content.has(reaction)) {
                return new MessageContent(Category.REACTION, null, reaction);
            }
        }
        for (String[] path : TEXT_FIELDS) {
            String text = cleanText(path.length == 1 ? content.get(path[0]) : content.path(path[0]).get(path[1]));
            if (text != null) {
                return new MessageContent(Category.TEXT, text, path[0]);
            }
        }
        String mediaKey = firstKeyIn(content, MEDIA);
        if (mediaKey == null) {
            return new MessageContent(Category.PROTOCOL, null, firstContentKey(content));
        }
        if (mediaKey.equals("audioMessage")) {
            // Evolution adds the OpenAI transcript next to the audio, on the outer message.
            String transcript = transcript(message.get("speechToText"));
            if (transcript == null) {
                transcript = transcript(content.get("speechToText"));
            }
            if (transcript != null) {
                return new MessageContent(Category.TEXT, transcript, mediaKey);
            }
        }
        if (mediaKey.equals("audioMessage")) {
            JsonNode seconds = content.path("audioMessage").get("seconds");
            return new MessageContent(Category.MEDIA, null, mediaKey,
                    seconds != null && seconds.canConvertToInt() && seconds.asInt() >= 0 ? seconds.asInt() : 0);
        }
        return new MessageContent(Category.MEDIA, null, mediaKey);
    }

    /**
     * Peels wrappers until the node holding the real content. Returns null when nesting is too deep,
     * which is then treated as protocol noise rather than guessed at.
     */
    private static JsonNode unwrap(JsonNode message) {
        JsonNode current = message;
        for (int depth = 0; depth <= MAX_UNWRAP_DEPTH; depth++) {
            JsonNode inner = wrappedMessage(current);
            if (inner == null) {
                return current;
            }
            current = inner;
        }
        return null;
    }

    private static JsonNode wrappedMessage(JsonNode message) {
        for (String wrapper : WRAPPERS) {
            JsonNode inner = message.path(wrapper).get("message");
            if (inner != null && inner.isObject()) {
                return inner;
            }
        }
        // An edit carries the new content in protocolMessage.editedMessage, both inside editedMessage
        // (handled by the loop above, one level up) and when it arrives bare.
        JsonNode protocol = message.get("protocolMessage");
        if (protocol != null && protocol.isObject() && isEdit(protocol)) {
            JsonNode edited = protocol.get("editedMessage");
            if (edited != null && edited.isObject()) {
                return edited;
            }
        }
        return null;
    }

    private static boolean isEdit(JsonNode protocol) {
        JsonNode type = protocol.get("type");
        boolean editType = type != null
                && ((type.isIntegralNumber() && type.asInt() == MESSAGE_EDIT)
                        || (type.isTextual() && type.textValue().equals("MESSAGE_EDIT")));
        return editType || protocol.path("editedMessage").isObject();
    }

    private static String cleanText(JsonNode node) {
        if (node == null || !node.isTextual()) {
            return null;
        }
        String text = node.textValue().strip();
        return text.isEmpty() ? null : text;
    }

    private static String transcript(JsonNode node) {
        String text = cleanText(node);
        if (text != null && text.toLowerCase(Locale.ROOT).startsWith(SPEECH_TO_TEXT_PREFIX)) {
            text = text.substring(SPEECH_TO_TEXT_PREFIX.length()).strip();
        }
        return text == null || text.isEmpty() ? null : text;
    }

    private static String firstKeyIn(JsonNode node, Set<String> keys) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (keys.contains(name)) {
                return name;
            }
        }
        return null;
    }

    /** Mirrors Baileys' {@code getContentType}: first {@code conversation} or {@code *Message} field. */
    private static String firstContentKey(JsonNode node) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!NOT_CONTENT.contains(name) && (name.equals("conversation") || name.endsWith("Message"))) {
                return name;
            }
        }
        return null;
    }
}

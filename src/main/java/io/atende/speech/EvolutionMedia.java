package io.atende.speech;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Base64;

/**
 * Evolution's {@code POST /chat/getBase64FromMediaMessage/{instance}}: the request for a message's media by its
 * WhatsApp id, and the audio in its answer ({@code base64}, {@code mimetype}).
 */
public final class EvolutionMedia {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEFAULT_MIMETYPE = "audio/ogg; codecs=opus";

    private final int maxBytes;

    /** @param maxBytes larger audio is refused (OpenAI's transcription limit is 25 MB; a 2-minute note is ~200 KB) */
    public EvolutionMedia(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** {@code {"message":{"key":{"id":…}},"convertToMp4":false}}: Evolution looks the message up in its own store. */
    public String request(VoiceNote note) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("message").putObject("key").put("id", note.waMessageId());
        body.put("convertToMp4", false);
        return body.toString();
    }

    /**
     * @throws SpeechToTextException for any answer but 200/201 with a decodable {@code base64}
     */
    public VoiceAudio audio(int status, String body) {
        if (status != 200 && status != 201) {
            throw new SpeechToTextException("media_http_" + status,
                    "Evolution answered HTTP " + status + " to getBase64FromMediaMessage");
        }
        JsonNode root;
        try {
            root = JSON.readTree(body == null ? "" : body);
        } catch (Exception e) {
            throw new SpeechToTextException("media_bad_answer", "Evolution's media answer is not JSON");
        }
        JsonNode base64 = root == null ? null : root.get("base64");
        if (base64 == null || !base64.isTextual() || base64.textValue().isEmpty()) {
            throw new SpeechToTextException("media_bad_answer", "Evolution's media answer has no base64");
        }
        if ((long) base64.textValue().length() * 3 / 4 > maxBytes) {
            throw new SpeechToTextException("media_too_large", "the voice note's audio is over " + maxBytes + " bytes");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(base64.textValue());
        } catch (IllegalArgumentException e) {
            throw new SpeechToTextException("media_bad_answer", "Evolution's media answer is not valid base64");
        }
        if (bytes.length == 0) {
            throw new SpeechToTextException("media_bad_answer", "Evolution's media answer has no audio");
        }
        JsonNode mimetype = root.get("mimetype");
        return new VoiceAudio(bytes, mimetype != null && mimetype.isTextual() && !mimetype.textValue().isBlank()
                ? mimetype.textValue() : DEFAULT_MIMETYPE);
    }
}

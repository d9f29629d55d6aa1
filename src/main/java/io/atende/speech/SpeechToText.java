package io.atende.speech;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.atende.profile.InstanceProfile;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The transcription protocol that whisper.cpp's {@code whisper-server} ({@code POST /inference}) and OpenAI-compatible
 * servers ({@code POST /v1/audio/transcriptions}) share: a multipart request with {@code file}, {@code model},
 * {@code language} and {@code response_format=json}, answered with {@code {"text": …}}.
 *
 * @param url      the server's transcription URL; blank switches voice notes off
 * @param model    the {@code model} field (whisper-server ignores it)
 * @param language the {@code language} field, e.g. {@code pt}
 */
public record SpeechToText(String url, String model, String language) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public SpeechToText {
        url = url == null ? "" : url.strip();
        // The URL becomes a dynamic endpoint (toD): a placeholder or options there would be resolved by Camel.
        if (!url.isEmpty() && !InstanceProfile.Evolution.isPlainHttpUrl(url)) {
            throw new IllegalArgumentException("ATENDE_STT_URL must be a plain http(s) URL without a query");
        }
    }

    public boolean enabled() {
        return !url.isEmpty();
    }

    /** The multipart request; the audio's file name follows its type, which ffmpeg-less servers look at. */
    public HttpEntity request(VoiceAudio audio) {
        ContentType type;
        try {
            type = ContentType.parse(audio.mimetype());
        } catch (RuntimeException e) {
            type = ContentType.APPLICATION_OCTET_STREAM;
        }
        return MultipartEntityBuilder.create()
                .addBinaryBody("file", audio.bytes(), type, "nota-de-voz." + extension(audio.mimetype()))
                .addTextBody("model", model, ContentType.TEXT_PLAIN.withCharset(StandardCharsets.UTF_8))
                .addTextBody("language", language, ContentType.TEXT_PLAIN.withCharset(StandardCharsets.UTF_8))
                .addTextBody("response_format", "json", ContentType.TEXT_PLAIN)
                .build();
    }

    /**
     * @return the transcript, stripped and not blank
     * @throws SpeechToTextException for any answer but 200 with a non-blank {@code text}
     */
    public String transcript(int status, String body) {
        if (status != 200) {
            throw new SpeechToTextException("stt_http_" + status, "the speech-to-text server answered HTTP " + status);
        }
        JsonNode text;
        try {
            JsonNode root = JSON.readTree(body == null ? "" : body);
            text = root == null ? null : root.get("text");
        } catch (Exception e) {
            throw new SpeechToTextException("stt_bad_answer", "the speech-to-text answer is not JSON");
        }
        if (text == null || !text.isTextual()) {
            throw new SpeechToTextException("stt_bad_answer", "the speech-to-text answer has no text");
        }
        String transcript = text.textValue().strip();
        // whisper marks silence and noise with tokens such as [BLANK_AUDIO] or (música): nothing was said
        String spoken = transcript.replaceAll("\\[[^\\]]*\\]|\\([^)]*\\)", "").strip();
        if (spoken.isEmpty()) {
            throw new SpeechToTextException("stt_empty", "the voice note has no words the server could hear");
        }
        return transcript;
    }

    static String extension(String mimetype) {
        String m = mimetype == null ? "" : mimetype.toLowerCase(Locale.ROOT);
        if (m.contains("ogg") || m.contains("opus")) {
            return "ogg";
        }
        if (m.contains("mpeg") || m.contains("mp3")) {
            return "mp3";
        }
        if (m.contains("mp4") || m.contains("m4a") || m.contains("aac")) {
            return "m4a";
        }
        if (m.contains("wav")) {
            return "wav";
        }
        return "bin";
    }
}

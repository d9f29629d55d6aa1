package io.atende.speech;

import org.apache.hc.core5.http.HttpEntity;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The transcription protocol's request and answers, and Evolution's media answer. */
class SpeechToTextTest {

    final SpeechToText stt = new SpeechToText("http://whisper:8080/inference", "whisper-1", "pt");

    static String written(HttpEntity entity) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        entity.writeTo(out);
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void theRequestIsMultipartWithTheFileModelLanguageAndJsonFormat() throws Exception {
        byte[] audio = {'O', 'g', 'g', 'S', 0, 1, 2, (byte) 0xff};
        HttpEntity entity = stt.request(new VoiceAudio(audio, "audio/ogg; codecs=opus"));

        assertThat(entity.getContentType()).startsWith("multipart/form-data;").contains("boundary=");
        String body = written(entity);
        assertThat(body).contains("Content-Disposition: form-data; name=\"file\"; filename=\"nota-de-voz.ogg\"")
                .contains("Content-Type: audio/ogg; codecs=opus")
                .contains(new String(audio, StandardCharsets.ISO_8859_1))
                .contains("name=\"model\"\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nwhisper-1\r\n")
                .contains("name=\"language\"\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\npt\r\n")
                .contains("name=\"response_format\"").contains("\r\n\r\njson\r\n");
    }

    @Test
    void onlyA200WithWordsIsATranscript() {
        assertThat(stt.transcript(200, "{\"text\":\" Vocês abrem amanhã? \"}")).isEqualTo("Vocês abrem amanhã?");
        assertThat(stt.transcript(200, "{\"text\":\"(risos) sim\"}")).isEqualTo("(risos) sim");
        assertThatThrownBy(() -> stt.transcript(500, "{\"error\":\"boom\"}"))
                .isInstanceOfSatisfying(SpeechToTextException.class, e -> assertThat(e.reason()).isEqualTo("stt_http_500"));
        assertThatThrownBy(() -> stt.transcript(200, "[BLANK_AUDIO]"))
                .isInstanceOfSatisfying(SpeechToTextException.class, e -> assertThat(e.reason()).isEqualTo("stt_bad_answer"));
        assertThatThrownBy(() -> stt.transcript(200, "{\"text\":\" [BLANK_AUDIO] \"}"))
                .isInstanceOfSatisfying(SpeechToTextException.class, e -> assertThat(e.reason()).isEqualTo("stt_empty"));
        assertThatThrownBy(() -> stt.transcript(200, "{\"segments\":[]}"))
                .isInstanceOfSatisfying(SpeechToTextException.class, e -> assertThat(e.reason()).isEqualTo("stt_bad_answer"));
    }

    @Test
    void theUrlMustBePlainHttpAndBlankSwitchesVoiceNotesOff() {
        assertThat(new SpeechToText(" ", "m", "pt").enabled()).isFalse();
        assertThat(new SpeechToText(null, "m", "pt").enabled()).isFalse();
        assertThat(stt.enabled()).isTrue();
        assertThatThrownBy(() -> new SpeechToText("http://whisper:8080/inference?x={{atende.admin.token}}", "m", "pt"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SpeechToText("file:/etc/passwd", "m", "pt"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void evolutionsMediaAnswerGivesTheAudioAndItsType() {
        EvolutionMedia media = new EvolutionMedia(1_000);
        VoiceNote note = new VoiceNote(1, 2, "loja", "5511@s.whatsapp.net", "5511@s.whatsapp.net", "AC51B2", 9, 1,
                false);
        assertThat(media.request(note)).isEqualTo("{\"message\":{\"key\":{\"id\":\"AC51B2\"}},\"convertToMp4\":false}");

        String b64 = Base64.getEncoder().encodeToString("OggS-audio".getBytes(StandardCharsets.US_ASCII));
        VoiceAudio audio = media.audio(201, "{\"mediaType\":\"audioMessage\",\"mimetype\":\"audio/ogg; codecs=opus\","
                + "\"base64\":\"" + b64 + "\"}");
        assertThat(new String(audio.bytes(), StandardCharsets.US_ASCII)).isEqualTo("OggS-audio");
        assertThat(audio.mimetype()).isEqualTo("audio/ogg; codecs=opus");
        assertThat(media.audio(200, "{\"base64\":\"" + b64 + "\"}").mimetype()).as("a default type")
                .isEqualTo("audio/ogg; codecs=opus");

        assertThatThrownBy(() -> media.audio(400, "{}"))
                .isInstanceOfSatisfying(SpeechToTextException.class, e -> assertThat(e.reason()).isEqualTo("media_http_400"));
        assertThatThrownBy(() -> media.audio(201, "{\"base64\":\"@@@\"}"))
                .isInstanceOfSatisfying(SpeechToTextException.class, e -> assertThat(e.reason()).isEqualTo("media_bad_answer"));
        assertThatThrownBy(() -> media.audio(201, "{\"base64\":\"" + "A".repeat(2_000) + "\"}"))
                .isInstanceOfSatisfying(SpeechToTextException.class, e -> assertThat(e.reason()).isEqualTo("media_too_large"));
    }
}

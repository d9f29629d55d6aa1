package io.atende.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** What the parser makes of a voice note, and the webhook's base64 media dropped before anything keeps the body. */
class VoiceNotePayloadTest {

    final EvolutionWebhookParser parser = new EvolutionWebhookParser();

    @Test
    void anAudioWithoutTranscriptIsAVoiceNoteWithItsSecondsPttOrNot() {
        ObjectNode tree = EvolutionFixtures.referenceTree("04-audio-ptt.json");
        InboundEvent ptt = parser.parse(EvolutionFixtures.bytes(tree));
        assertThat(ptt.isVoiceNote()).isTrue();
        assertThat(ptt.voiceSeconds()).isEqualTo(9);

        ObjectNode audio = (ObjectNode) tree.path("data").path("message").path("audioMessage");
        audio.put("ptt", false);
        audio.remove("seconds");
        InboundEvent file = parser.parse(EvolutionFixtures.bytes(tree));
        assertThat(file.isVoiceNote()).as("an audio file is transcribed too").isTrue();
        assertThat(file.voiceSeconds()).as("no seconds in the payload").isZero();
    }

    @Test
    void anAudioWithEvolutionsTranscriptImagesAndStickersAreNoVoiceNotes() {
        assertThat(parser.parse(EvolutionFixtures.variant("audio-with-speech-to-text-transcript.json")).isVoiceNote())
                .isFalse();
        assertThat(parser.parse(EvolutionFixtures.variant("sticker.json")).isVoiceNote()).isFalse();
        InboundEvent caption = parser.parse(EvolutionFixtures.reference("03-image-caption.json"));
        assertThat(caption.isVoiceNote()).isFalse();
        assertThat(caption.kind()).isEqualTo(InboundEvent.Kind.TEXT);
    }

    @Test
    void theWebhooksBase64MediaIsStrippedAndEverythingElseKeptByteForByte() throws Exception {
        ObjectNode tree = EvolutionFixtures.referenceTree("04-audio-ptt.json");
        byte[] without = EvolutionFixtures.bytes(tree);
        assertThat(parser.withoutMedia(without)).as("no base64: the same bytes").isSameAs(without);

        ((ObjectNode) tree.path("data").path("message")).put("base64", "T2dnUwACAAAAAAAAAAB".repeat(1_000));
        byte[] with = EvolutionFixtures.bytes(tree);
        byte[] stripped = parser.withoutMedia(with);

        JsonNode back = new ObjectMapper().readTree(stripped);
        assertThat(back.path("data").path("message").has("base64")).isFalse();
        assertThat(back.path("data").path("message").path("audioMessage").path("seconds").asInt()).isEqualTo(9);
        assertThat(stripped.length).isLessThan(with.length - 18_000);
        assertThat(parser.parse(stripped)).isEqualTo(parser.parse(with));
        byte[] broken = "{\"base64\": oops".getBytes(StandardCharsets.UTF_8);
        assertThat(parser.withoutMedia(broken)).as("left to parse(), which answers 400").isSameAs(broken);
    }
}

package io.atende.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.atende.ingest.InboundEvent.Kind;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Evolution 2.3.5 and older: bytes as base64 strings, 64-bit values and the timestamp as decimal strings. */
class LegacyEncodingTest {

    private final EvolutionWebhookParser parser = new EvolutionWebhookParser();

    @Test
    void imageCaptionIsReadFromTheLegacyEncoding() {
        InboundEvent event = parser.parse(
                EvolutionFixtures.variant("legacy-v2.3.5-base64-bytes-decimal-string-longs-and-timestamp.json"));

        assertThat(event.kind()).isEqualTo(Kind.TEXT);
        assertThat(event.text()).isEqualTo("Nota fiscal em anexo");
        assertThat(event.contactJid()).isEqualTo("5531988776655@s.whatsapp.net");
    }

    @Test
    void stringTimestampIsSeconds() {
        InboundEvent event = parser.parse(
                EvolutionFixtures.variant("legacy-v2.3.5-base64-bytes-decimal-string-longs-and-timestamp.json"));

        assertThat(event.sentAt()).isEqualTo(Instant.ofEpochSecond(1765377420));
    }

    @Test
    void legacyAudioIsMediaWithoutText() {
        InboundEvent event = parser.parse(
                EvolutionFixtures.variant("legacy-v2.3.5-audio-base64-bytes-decimal-string-longs.json"));

        assertThat(event.kind()).isEqualTo(Kind.MEDIA_WITHOUT_TEXT);
        assertThat(event.sentAt()).isEqualTo(Instant.ofEpochSecond(1765377502));
    }

    @Test
    void bothEncodingsOfTheSameImageGiveTheSameContent() {
        InboundEvent legacy = parser.parse(
                EvolutionFixtures.variant("legacy-v2.3.5-base64-bytes-decimal-string-longs-and-timestamp.json"));
        InboundEvent current = parser.parse(EvolutionFixtures.reference("03-image-caption.json"));

        assertThat(legacy.kind()).isEqualTo(current.kind());
        assertThat(legacy.messageType()).isEqualTo(current.messageType());
    }
}

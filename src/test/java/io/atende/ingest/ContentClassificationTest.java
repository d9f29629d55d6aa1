package io.atende.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.atende.ingest.InboundEvent.IgnoreReason;
import io.atende.ingest.InboundEvent.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Content without text: media the customer sent on purpose vs. protocol noise nobody typed. */
class ContentClassificationTest {

    private final EvolutionWebhookParser parser = new EvolutionWebhookParser();

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sticker.json", "location.json"})
    void stickerAndLocationAreMediaWithoutText(String variant) {
        InboundEvent event = parser.parse(EvolutionFixtures.variant(variant));

        assertThat(event.kind()).isEqualTo(Kind.MEDIA_WITHOUT_TEXT);
        assertThat(event.text()).isNull();
        assertThat(event.ignoreReason()).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "protocol-message-revoke.json",
        "sender-key-distribution-only.json",
        "poll-update.json",
        "unknown-future-content-type.json"})
    void protocolOnlyContentIsIgnoredAsProtocol(String variant) {
        InboundEvent event = parser.parse(EvolutionFixtures.variant(variant));

        assertThat(event.ignoreReason()).isEqualTo(IgnoreReason.PROTOCOL);
        assertThat(event.text()).isNull();
        assertThat(event.waMessageId()).isNotBlank();
    }

    @Test
    void revokeKeepsItsMessageType() {
        InboundEvent event = parser.parse(EvolutionFixtures.variant("protocol-message-revoke.json"));

        assertThat(event.messageType()).isEqualTo("protocolMessage");
    }

    @Test
    void missingMessageObjectIsProtocol() {
        ObjectNode tree = EvolutionFixtures.referenceTree("01-text-conversation.json");
        ((ObjectNode) tree.path("data")).remove("message");

        assertThat(parser.parse(EvolutionFixtures.bytes(tree)).ignoreReason()).isEqualTo(IgnoreReason.PROTOCOL);
    }

    @Test
    void contentTypeIsDetectedWhenMessageTypeIsAbsent() {
        ObjectNode tree = EvolutionFixtures.referenceTree("04-audio-ptt.json");
        ((ObjectNode) tree.path("data")).remove("messageType");

        assertThat(parser.parse(EvolutionFixtures.bytes(tree)).messageType()).isEqualTo("audioMessage");
    }

    @Test
    void groupKeyDistributionNextToTextDoesNotHideTheText() {
        ObjectNode tree = EvolutionFixtures.referenceTree("05-group-message.json");
        // Same content, moved to a 1:1 chat so that the group rule does not apply.
        ObjectNode key = (ObjectNode) tree.path("data").path("key");
        key.put("remoteJid", "5541999887766@s.whatsapp.net");

        InboundEvent event = parser.parse(EvolutionFixtures.bytes(tree));

        assertThat(event.kind()).isEqualTo(Kind.TEXT);
        assertThat(event.text()).isEqualTo("Alguém sabe o horário de hoje?");
    }

    @Test
    void absurdlyDeepWrappingIsTreatedAsProtocol() {
        String inner = "{\"conversation\":\"oi\"}";
        for (int i = 0; i < 50; i++) {
            inner = "{\"ephemeralMessage\":{\"message\":" + inner + "}}";
        }
        String body = "{\"event\":\"messages.upsert\",\"instance\":\"acme-support\",\"data\":{\"key\":"
                + "{\"remoteJid\":\"5531988776655@s.whatsapp.net\",\"id\":\"X1\"},\"message\":" + inner + "}}";

        InboundEvent event = parser.parse(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));

        assertThat(event.ignoreReason()).isEqualTo(IgnoreReason.PROTOCOL);
    }
}

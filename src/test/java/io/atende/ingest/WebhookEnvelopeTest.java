package io.atende.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.atende.ingest.InboundEvent.IgnoreReason;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Envelope rules: event names, non-message events, and bodies rejected with HTTP 400. */
class WebhookEnvelopeTest {

    private final EvolutionWebhookParser parser = new EvolutionWebhookParser();

    private static byte[] utf8(String body) {
        return body.getBytes(StandardCharsets.UTF_8);
    }

    private InboundEvent parseFixture01With(String eventName) {
        ObjectNode tree = EvolutionFixtures.referenceTree("01-text-conversation.json");
        tree.put("event", eventName);
        return parser.parse(EvolutionFixtures.bytes(tree));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"messages.upsert", "MESSAGES_UPSERT", "messages-upsert", " Messages.Upsert "})
    void eventNameVariantsNormaliseToMessagesUpsert(String eventName) {
        InboundEvent event = parseFixture01With(eventName);

        assertThat(event.event()).isEqualTo("messages.upsert");
        assertThat(event.needsAnswer()).isTrue();
    }

    @Test
    void otherEventKeepsOnlyTheEnvelope() {
        InboundEvent event = parser.parse(EvolutionFixtures.variant("connection-update-event.json"));

        assertThat(event).isEqualTo(InboundEvent.otherEvent("acme-support", "connection.update"));
        assertThat(event.ignoreReason()).isEqualTo(IgnoreReason.OTHER_EVENT);
        assertThat(event.waMessageId()).isNull();
    }

    @Test
    void otherEventNameIsNormalisedToo() {
        assertThat(parseFixture01With("SEND_MESSAGE").event()).isEqualTo("send.message");
        assertThat(parseFixture01With("SEND_MESSAGE").ignoreReason()).isEqualTo(IgnoreReason.OTHER_EVENT);
    }

    @Test
    void otherEventsNeedNoData() {
        InboundEvent event = parser.parse(utf8("{\"event\":\"qrcode.updated\",\"instance\":\"acme-support\"}"));

        assertThat(event.ignoreReason()).isEqualTo(IgnoreReason.OTHER_EVENT);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "not json at all",
        "{\"event\":\"messages.upsert\",",
        "[{\"event\":\"messages.upsert\",\"instance\":\"acme-support\"}]",
        "\"messages.upsert\"",
        "42",
        "null",
        "{\"event\":\"messages.upsert\",\"instance\":\"acme-support\"} trailing",
        "{}",
        "{\"instance\":\"acme-support\"}",
        "{\"event\":\"messages.upsert\"}",
        "{\"event\":\"   \",\"instance\":\"acme-support\"}",
        "{\"event\":\"messages.upsert\",\"instance\":\"\"}",
        "{\"event\":7,\"instance\":\"acme-support\"}",
        "{\"event\":\"messages.upsert\",\"instance\":{\"name\":\"acme-support\"}}",
        "{\"event\":\"messages.upsert\",\"instance\":\"acme-support\"}",
        "{\"event\":\"messages.upsert\",\"instance\":\"acme-support\",\"data\":[]}",
        "{\"event\":\"messages.upsert\",\"instance\":\"acme-support\",\"data\":{\"message\":{}}}"})
    void malformedBodiesAreBadWebhooks(String body) {
        assertThatThrownBy(() -> parser.parse(utf8(body))).isInstanceOf(BadWebhookException.class);
    }

    @Test
    void emptyAndNullBodiesAreBadWebhooks() {
        assertThatThrownBy(() -> parser.parse(new byte[0])).isInstanceOf(BadWebhookException.class);
        assertThatThrownBy(() -> parser.parse(null)).isInstanceOf(BadWebhookException.class);
    }

    @ParameterizedTest(name = "without key.{0}")
    @ValueSource(strings = {"id", "remoteJid"})
    void messagesUpsertWithoutKeyFieldIsABadWebhook(String field) {
        ObjectNode tree = EvolutionFixtures.referenceTree("01-text-conversation.json");
        ((ObjectNode) tree.path("data").path("key")).remove(field);

        assertThatThrownBy(() -> parser.parse(EvolutionFixtures.bytes(tree)))
                .isInstanceOf(BadWebhookException.class)
                .hasMessageContaining("data.key." + field);
    }

    @Test
    void nonStringKeyIdIsABadWebhook() {
        ObjectNode tree = EvolutionFixtures.referenceTree("01-text-conversation.json");
        ((ObjectNode) tree.path("data").path("key")).put("id", 12345);

        assertThatThrownBy(() -> parser.parse(EvolutionFixtures.bytes(tree))).isInstanceOf(BadWebhookException.class);
    }

    @Test
    void rejectionNeitherEchoesThePayloadNorCarriesACause() {
        String body = "{\"event\":\"messages.upsert\",\"apikey\":\"SECRET-API-KEY-123\" oops}";

        assertThatThrownBy(() -> parser.parse(utf8(body)))
                .isInstanceOf(BadWebhookException.class)
                .hasMessage("webhook body is not valid JSON")
                .hasNoCause()
                .satisfies(e -> assertThat(e.getStackTrace()).isEmpty());
    }
}

package io.atende.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.atende.ingest.InboundEvent.Kind;
import org.junit.jupiter.api.Test;

/** Every place the customer's words can be in. */
class TextExtractionTest {

    private final EvolutionWebhookParser parser = new EvolutionWebhookParser();

    @Test
    void extendedTextMessageTextIsReadAndTrimmed() {
        InboundEvent event = parser.parse(EvolutionFixtures.variant("extended-text-message-not-flattened.json"));

        assertThat(event.kind()).isEqualTo(Kind.TEXT);
        assertThat(event.text()).isEqualTo("Veja https://acme.example.com/pedido/123 por favor");
        assertThat(event.messageType()).isEqualTo("extendedTextMessage");
    }

    @Test
    void videoCaptionIsText() {
        InboundEvent event = parser.parse(EvolutionFixtures.variant("video-caption.json"));

        assertThat(event.kind()).isEqualTo(Kind.TEXT);
        assertThat(event.text()).isEqualTo("O barulho que a máquina faz");
    }

    @Test
    void documentCaptionIsText() {
        InboundEvent event = parser.parse(EvolutionFixtures.variant("document-caption.json"));

        assertThat(event.kind()).isEqualTo(Kind.TEXT);
        assertThat(event.text()).isEqualTo("Orçamento aprovado?");
    }

    @Test
    void speechToTextTranscriptIsTextWithoutItsAudioPrefix() {
        InboundEvent event = parser.parse(EvolutionFixtures.variant("audio-with-speech-to-text-transcript.json"));

        assertThat(event.kind()).isEqualTo(Kind.TEXT);
        assertThat(event.text()).isEqualTo("Quero saber se vocês entregam no sábado");
        assertThat(event.messageType()).isEqualTo("audioMessage");
    }

    @Test
    void blankConversationIsNotText() {
        ObjectNode tree = EvolutionFixtures.referenceTree("01-text-conversation.json");
        ((ObjectNode) tree.path("data").path("message")).put("conversation", " \n\t ");

        InboundEvent event = parser.parse(EvolutionFixtures.bytes(tree));

        assertThat(event.text()).isNull();
        assertThat(event.needsAnswer()).isFalse();
    }

    @Test
    void blankTranscriptLeavesTheAudioAsMedia() {
        ObjectNode tree = EvolutionFixtures.referenceTree("04-audio-ptt.json");
        ((ObjectNode) tree.path("data").path("message")).put("speechToText", "[audio]   ");

        InboundEvent event = parser.parse(EvolutionFixtures.bytes(tree));

        assertThat(event.kind()).isEqualTo(Kind.MEDIA_WITHOUT_TEXT);
        assertThat(event.text()).isNull();
    }
}

package io.atende.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.atende.ingest.InboundEvent.Kind;
import org.junit.jupiter.api.Test;

/** Evolution forwards wrapper messages as WhatsApp sent them; the content is inside. */
class WrapperUnwrappingTest {

    private final EvolutionWebhookParser parser = new EvolutionWebhookParser();

    @Test
    void ephemeralMessageIsUnwrapped() {
        InboundEvent event = parser.parse(EvolutionFixtures.variant("ephemeral-wrapped-extended-text.json"));

        assertThat(event.kind()).isEqualTo(Kind.TEXT);
        assertThat(event.text()).isEqualTo("Mensagem temporária: meu pedido chegou quebrado");
        assertThat(event.messageType()).isEqualTo("ephemeralMessage");
    }

    @Test
    void viewOnceV2ImageCaptionIsUnwrapped() {
        InboundEvent event = parser.parse(EvolutionFixtures.variant("view-once-v2-wrapped-image-caption.json"));

        assertThat(event.kind()).isEqualTo(Kind.TEXT);
        assertThat(event.text()).isEqualTo("Foto do comprovante");
    }

    @Test
    void nestedWrappersAreUnwrappedRecursively() {
        InboundEvent event = parser.parse(
                EvolutionFixtures.variant("ephemeral-wrapping-view-once-image-without-caption.json"));

        assertThat(event.kind()).isEqualTo(Kind.MEDIA_WITHOUT_TEXT);
        assertThat(event.messageType()).isEqualTo("ephemeralMessage");
    }

    @Test
    void documentWithCaptionWrapperIsUnwrapped() {
        InboundEvent event = parser.parse(EvolutionFixtures.variant("document-with-caption-wrapper.json"));

        assertThat(event.kind()).isEqualTo(Kind.TEXT);
        assertThat(event.text()).isEqualTo("Contrato assinado");
    }

    @Test
    void editedMessageWrapperYieldsTheNewText() {
        InboundEvent event = parser.parse(EvolutionFixtures.variant("edited-message-wrapper.json"));

        assertThat(event.kind()).isEqualTo(Kind.TEXT);
        assertThat(event.text()).isEqualTo("Correção: são 3 unidades, não 2");
    }

    @Test
    void bareProtocolMessageEditYieldsTheNewText() {
        InboundEvent event = parser.parse(EvolutionFixtures.variant("protocol-message-edit-type-14.json"));

        assertThat(event.kind()).isEqualTo(Kind.TEXT);
        assertThat(event.text()).isEqualTo("Endereço certo: Rua das Flores, 45");
        assertThat(event.messageType()).isEqualTo("protocolMessage");
    }
}

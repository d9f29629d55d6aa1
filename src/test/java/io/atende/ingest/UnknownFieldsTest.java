package io.atende.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.atende.ingest.InboundEvent.Kind;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Evolution adds fields between versions; none of them may break or change the result. */
class UnknownFieldsTest {

    private final EvolutionWebhookParser parser = new EvolutionWebhookParser();

    @Test
    void unknownFieldsAtEveryLevelAreIgnored() {
        InboundEvent event = parser.parse(EvolutionFixtures.variant("unknown-fields-everywhere.json"));

        assertThat(event).isEqualTo(new InboundEvent(
                "acme-support", "messages.upsert", "3A950D0E0F1011121314",
                "5531988776655@s.whatsapp.net", "5531988776655@s.whatsapp.net",
                "5531988776655@s.whatsapp.net", "118204461933712@lid", false, "João Pereira",
                Kind.TEXT, "Texto com campos novos", "extendedTextMessage", null,
                Instant.ofEpochSecond(1765378800)));
    }
}

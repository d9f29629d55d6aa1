package io.atende.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The conversation key must not depend on which Evolution version addressed the message. */
class LidAddressingTest {

    private final EvolutionWebhookParser parser = new EvolutionWebhookParser();

    @Test
    void lidRemoteJidWithPhoneAltAsIn235And236ResolvesToThePhone() {
        InboundEvent event = parser.parse(EvolutionFixtures.variant("lid-remoteJid-with-phone-remoteJidAlt-v2.3.6.json"));

        assertThat(event.chatJid()).isEqualTo("118204461933712@lid");
        assertThat(event.contactJid()).isEqualTo("5531988776655@s.whatsapp.net");
        assertThat(event.phoneJid()).isEqualTo("5531988776655@s.whatsapp.net");
        assertThat(event.lidJid()).isEqualTo("118204461933712@lid");
        assertThat(event.needsAnswer()).isTrue();
    }

    @Test
    void sameContactGetsTheSameKeyIn236AndIn237Shapes() {
        InboundEvent v236 = parser.parse(EvolutionFixtures.variant("lid-remoteJid-with-phone-remoteJidAlt-v2.3.6.json"));
        InboundEvent v237 = parser.parse(EvolutionFixtures.reference("02-reply-quoted-extendedText.json"));

        assertThat(v236.contactJid()).isEqualTo(v237.contactJid());
        assertThat(v236.lidJid()).isEqualTo(v237.lidJid());
    }

    @Test
    void lidWithoutAltIsTheContactKey() {
        InboundEvent event = parser.parse(EvolutionFixtures.variant("lid-remoteJid-without-remoteJidAlt.json"));

        assertThat(event.contactJid()).isEqualTo("118204461933712@lid");
        assertThat(event.lidJid()).isEqualTo("118204461933712@lid");
        assertThat(event.phoneJid()).isNull();
        assertThat(event.chatJid()).isEqualTo("118204461933712@lid");
    }

    @Test
    void deviceSuffixIsStrippedFromBothJids() {
        InboundEvent event = parser.parse(EvolutionFixtures.variant("device-suffix-in-remoteJid-and-remoteJidAlt.json"));

        assertThat(event.chatJid()).isEqualTo("5531988776655@s.whatsapp.net");
        assertThat(event.contactJid()).isEqualTo("5531988776655@s.whatsapp.net");
        assertThat(event.lidJid()).isEqualTo("118204461933712@lid");
    }
}

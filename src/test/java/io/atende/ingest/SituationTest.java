package io.atende.ingest;

import io.atende.profile.EffectiveProfile;
import io.atende.support.Profiles;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** What the customer's words and the number's hours say about a message, before the database is asked. */
class SituationTest {

    static final EffectiveProfile SHOP = Profiles.effective("loja", """
            {"handoff":{"keywords":["atendente","falar com alguém"]},
             "optOut":{"stopKeywords":["parar","sair"],"resumeKeywords":["voltar"]},
             "hours":{"timeZone":"America/Sao_Paulo","weekly":{"mon":["09:00-18:00"]},"outOfHoursPolicy":"notice-only"}}""");
    static final Instant MONDAY_10 = Instant.parse("2026-12-07T13:00:00Z");
    static final Instant MONDAY_20 = Instant.parse("2026-12-07T23:00:00Z");

    static InboundEvent text(String text) {
        return new InboundEvent("loja", "messages.upsert", "W1", "5521987654321@s.whatsapp.net",
                "5521987654321@s.whatsapp.net", "5521987654321@s.whatsapp.net", null, false, "Ana",
                InboundEvent.Kind.TEXT, text, "conversation", null, MONDAY_10);
    }

    static Situation.Intent intent(String text) {
        return Situation.of(text(text), SHOP, MONDAY_10).intent();
    }

    @Test
    void theCustomersWords() {
        assertThat(intent("PARAR!")).isEqualTo(Situation.Intent.STOP);
        assertThat(intent("Sair, por favor")).isEqualTo(Situation.Intent.STOP);
        assertThat(intent("quero parar de receber")).isEqualTo(Situation.Intent.NONE);
        assertThat(intent("Voltar")).isEqualTo(Situation.Intent.OPT_IN);
        assertThat(intent("Posso falar com alguem?")).isEqualTo(Situation.Intent.HANDOFF);
        assertThat(intent("Quero um ATENDENTE")).isEqualTo(Situation.Intent.HANDOFF);
        assertThat(intent("qual o horário?")).isEqualTo(Situation.Intent.NONE);
    }

    @Test
    void onlyAnOrdinaryMessageWhileOpenTakesTheOneRoundTripPath() {
        assertThat(Situation.of(text("oi"), SHOP, MONDAY_10).plain()).isTrue();
        Situation closed = Situation.of(text("oi"), SHOP, MONDAY_20);
        assertThat(closed.plain()).isFalse();
        assertThat(closed.closedSince()).isEqualTo(Instant.parse("2026-12-07T21:00:00Z")); // 18:00 in São Paulo
        assertThat(Situation.of(text("parar"), SHOP, MONDAY_10).plain()).isFalse();

        // closed, but the policy answers anyway: still the fast path, counted as out of hours
        EffectiveProfile answers = Profiles.effective("loja",
                "{\"hours\":{\"weekly\":{\"mon\":[\"09:00-18:00\"]},\"outOfHoursPolicy\":\"answer\"}}");
        Situation late = Situation.of(text("oi"), answers, MONDAY_20);
        assertThat(late.plain()).isTrue();
        assertThat(late.closedSince()).isNotNull();
    }

    @Test
    void theOperatorsAndIgnoredMessagesHaveNoIntent() {
        InboundEvent operator = new InboundEvent("loja", "messages.upsert", "W2", "5521987654321@s.whatsapp.net",
                "5521987654321@s.whatsapp.net", "5521987654321@s.whatsapp.net", null, true, "Loja",
                InboundEvent.Kind.IGNORED, "parar", "conversation", InboundEvent.IgnoreReason.FROM_ME, MONDAY_20);
        Situation s = Situation.of(operator, SHOP, MONDAY_20);
        assertThat(s.intent()).isEqualTo(Situation.Intent.NONE);
        assertThat(s.closedSince()).isNull();
    }
}

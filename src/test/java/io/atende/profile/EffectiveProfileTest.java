package io.atende.profile;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EffectiveProfileTest {

    static final ProfileDefaults DEFAULTS = new ProfileDefaults("persona padrão", "mistral", 0.3, 512, 10,
            "fallback padrão", "ocupado {position}", "só texto", 2000, "http://evolution:8080/", "env-key");

    @Test
    void withoutAProfileEverySettingIsTheEnvironments() {
        EffectiveProfile p = EffectiveProfile.defaults("loja", DEFAULTS);
        assertThat(p.version()).isZero();
        assertThat(p.enabled()).isTrue();
        assertThat(p.systemPrompt()).isEqualTo("persona padrão");
        assertThat(p.facts()).isEmpty();
        assertThat(p.model()).isEqualTo("mistral");
        assertThat(p.temperature()).isEqualTo(0.3);
        assertThat(p.numPredict()).isEqualTo(512);
        assertThat(p.historyTurns()).isEqualTo(10);
        // Quiet.NONE: the takeover, opt-out and out-of-hours texts are off.
        assertThat(p.texts()).isEqualTo(new InstanceProfile.Texts("fallback padrão", "ocupado {position}", "só texto",
                "", "", "", "", "", ""));
        assertThat(p.trigger().startsOnAnyMessage()).isTrue();
        assertThat(p.debounceMs()).isEqualTo(2000);
        assertThat(p.evolutionBaseUrl()).isEqualTo("http://evolution:8080");
        assertThat(p.evolutionApiKey()).isEqualTo("env-key");
        assertThat(p.webhookToken()).isNull();
        assertThat(p.answers("5511999998888@s.whatsapp.net")).isTrue();
    }

    @Test
    void theProfilesFieldsWinAndAnEmptyTextSwitchesItOff() {
        InstanceProfile profile = new InstanceProfile(false, "Padaria", "Você é a Padaria.", " Abrimos às 7h. ",
                "llama3", 0.9, 200, 4, new InstanceProfile.Texts("", null, "Mande texto"), null, null, null, 500L,
                new InstanceProfile.Evolution("http://other:9090", "own-key", "own-token"), null, null, null, null, null, null);
        EffectiveProfile p = EffectiveProfile.resolve("padaria", 3, profile, DEFAULTS);
        assertThat(p.version()).isEqualTo(3);
        assertThat(p.enabled()).isFalse();
        assertThat(p.displayName()).isEqualTo("Padaria");
        assertThat(p.systemPrompt()).isEqualTo("Você é a Padaria.");
        assertThat(p.facts()).isEqualTo("Abrimos às 7h.");
        assertThat(p.model()).isEqualTo("llama3");
        assertThat(p.temperature()).isEqualTo(0.9);
        assertThat(p.numPredict()).isEqualTo(200);
        assertThat(p.historyTurns()).isEqualTo(4);
        assertThat(p.texts()).isEqualTo(new InstanceProfile.Texts("", "ocupado {position}", "Mande texto",
                "", "", "", "", "", ""));
        assertThat(p.debounceMs()).isEqualTo(500);
        assertThat(p.evolutionBaseUrl()).isEqualTo("http://other:9090");
        assertThat(p.evolutionApiKey()).isEqualTo("own-key");
        assertThat(p.webhookToken()).isEqualTo("own-token");
    }

    @Test
    void listsMatchAnyOfTheContactsAddressesAndIgnoringWins() {
        InstanceProfile profile = new InstanceProfile(null, null, null, null, null, null, null, null, null, null,
                List.of("@lid", "5511900000001"), List.of("@s.whatsapp.net"), null, null, null, null, null, null, null, null);
        EffectiveProfile p = EffectiveProfile.resolve("loja", 1, profile, DEFAULTS);
        assertThat(p.answers("5511999998888@s.whatsapp.net")).isTrue();
        // the same contact, seen by its LID too: ignored
        assertThat(p.answers("5511999998888@s.whatsapp.net", "123456789012345@lid")).isFalse();
        assertThat(p.answers("5511900000001@s.whatsapp.net")).isFalse();
        // not on the allow list
        assertThat(p.answers("120363025246125486@g.us")).isFalse();
    }

    static final ProfileDefaults.Quiet QUIET = new ProfileDefaults.Quiet(60,
            ProfileDefaults.Quiet.list("atendente, humano, falar com alguém"), "#bot",
            ProfileDefaults.Quiet.list("parar, sair"), ProfileDefaults.Quiet.list("voltar"),
            ZoneId.of("America/Sao_Paulo"), BusinessHours.Policy.NOTICE_AND_ANSWER, " Vou chamar alguém. ",
            "Você saiu.", "Que bom!", "Estamos fechados.", "{name} ({contact}) pediu um atendente");
    static final ProfileDefaults WITH_QUIET = new ProfileDefaults("persona padrão", "mistral", 0.3, 512, 10,
            "fallback padrão", "ocupado {position}", "só texto", 2000, "http://evolution:8080/", "env-key", QUIET);

    @Test
    void withoutAProfileTakeoverOptOutAndHoursAreTheEnvironments() {
        EffectiveProfile p = EffectiveProfile.defaults("loja", WITH_QUIET);
        assertThat(p.handoff().pause()).isEqualTo(Duration.ofMinutes(60));
        assertThat(p.handoff().keywords().words()).containsExactly("atendente", "humano", "falar com alguem");
        assertThat(p.handoff().resumeKeyword()).isEqualTo("#bot");
        assertThat(p.handoff().notifyJid()).isNull();
        assertThat(p.optOut().stop().words()).containsExactly("parar", "sair");
        assertThat(p.optOut().resume().words()).containsExactly("voltar");
        assertThat(p.hours().zone()).isEqualTo(ZoneId.of("America/Sao_Paulo"));
        assertThat(p.hours().policy()).isEqualTo(BusinessHours.Policy.NOTICE_AND_ANSWER);
        assertThat(p.hours().hasSchedule()).isFalse();
        assertThat(p.texts()).isEqualTo(new InstanceProfile.Texts("fallback padrão", "ocupado {position}", "só texto",
                "Vou chamar alguém.", "Você saiu.", "Que bom!", "Estamos fechados.", "", ""));
        assertThat(p.notifyText()).isEqualTo("{name} ({contact}) pediu um atendente");
        assertThat(p.handoff().keywords().mentions("Quero falar com alguém, por favor")).isTrue();
        assertThat(p.optOut().stop().isExactly("Parar!")).isTrue();
    }

    @Test
    void theProfilesTakeoverOptOutAndHoursWin() {
        InstanceProfile profile = new InstanceProfile(null, null, null, null, null, null, null, null,
                new InstanceProfile.Texts(null, null, null, "", " Já chamo alguém ", null, "Fechado"), null, null,
                null, null, null,
                new InstanceProfile.Handoff(0.5, List.of(), " #Volta ", "+55 (11) 99999-0000"),
                new InstanceProfile.OptOut(List.of("chega"), null),
                new InstanceProfile.Hours("Europe/Lisbon", Map.of("mon", List.of("09:00-18:00")), null, "notice-only"),
                null, null, null);
        EffectiveProfile p = EffectiveProfile.resolve("loja", 2, profile, WITH_QUIET);
        assertThat(p.handoff().pause()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.handoff().keywords().isEmpty()).as("an empty list switches the keywords off").isTrue();
        assertThat(p.handoff().resumeKeyword()).isEqualTo("#Volta");
        assertThat(p.handoff().notifyJid()).isEqualTo("5511999990000@s.whatsapp.net");
        assertThat(p.optOut().stop().words()).containsExactly("chega");
        assertThat(p.optOut().resume().words()).containsExactly("voltar");
        assertThat(p.hours().zone()).isEqualTo(ZoneId.of("Europe/Lisbon"));
        assertThat(p.hours().policy()).isEqualTo(BusinessHours.Policy.NOTICE_ONLY);
        assertThat(p.hours().isOpen(Instant.parse("2026-03-02T10:00:00Z"))).isTrue(); // a Monday, UTC+0 in Lisbon
        assertThat(p.hours().isOpen(Instant.parse("2026-03-03T10:00:00Z"))).isFalse();
        assertThat(p.texts()).isEqualTo(new InstanceProfile.Texts("fallback padrão", "ocupado {position}", "só texto",
                "", "Já chamo alguém", "Que bom!", "Fechado", "", ""));
    }

    @Test
    void theResumeKeywordIsTheWholeMessageIgnoringCaseAccentsAndSpaces() {
        EffectiveProfile.Handoff h = EffectiveProfile.defaults("loja", WITH_QUIET).handoff();
        assertThat(h.isResume("#bot")).isTrue();
        assertThat(h.isResume("#BOT ")).isTrue();
        assertThat(h.isResume("  #bót\n")).isTrue();
        assertThat(h.isResume("bot")).isFalse();
        assertThat(h.isResume("#bot, volta")).isFalse();
        assertThat(h.isResume(null)).isFalse();
        EffectiveProfile.Handoff off = new EffectiveProfile.Handoff(Duration.ofMinutes(1), Keywords.of(null), "", null);
        assertThat(off.isResume("")).as("no resume keyword: nothing resumes").isFalse();
    }

    @Test
    void theNotifyNumbersDigitsMakeItsJid() {
        assertThat(EffectiveProfile.notifyJid("5511999990000")).isEqualTo("5511999990000@s.whatsapp.net");
        assertThat(EffectiveProfile.notifyJid("+55 11 99999-0000")).isEqualTo("5511999990000@s.whatsapp.net");
        assertThat(EffectiveProfile.notifyJid(null)).isNull();
        assertThat(EffectiveProfile.notifyJid("  ")).isNull();
        assertThat(EffectiveProfile.notifyJid("none")).isNull();
    }

    @Test
    void typingSplitAndVoiceComeFromTheProfileFieldByFieldElseTheEnvironment() {
        ProfileDefaults d = new ProfileDefaults("persona", "mistral", 0.3, 512, 10, "", "", "", 2000,
                "http://evolution:8080", "", ProfileDefaults.Quiet.NONE,
                new ProfileDefaults.Talk(true, new EffectiveProfile.Split(600, 4, 20), true, "Escreva, por favor.",
                        "Até {seconds} s."));
        EffectiveProfile none = EffectiveProfile.defaults("loja", d);
        assertThat(none.typing()).isTrue();
        assertThat(none.voice()).isTrue();
        assertThat(none.split()).isEqualTo(new EffectiveProfile.Split(600, 4, 20));
        assertThat(none.texts().voiceFailed()).isEqualTo("Escreva, por favor.");
        assertThat(none.texts().voiceTooLong()).isEqualTo("Até {seconds} s.");

        InstanceProfile own = new InstanceProfile(null, null, null, null, null, null, null, null,
                new InstanceProfile.Texts(null, null, null, null, null, null, null, "", null), null, null, null, null,
                null, null, null, null, false, new InstanceProfile.Split(null, 2, 0), new InstanceProfile.Voice(false));
        EffectiveProfile p = EffectiveProfile.resolve("loja", 1, own, d);
        assertThat(p.typing()).isFalse();
        assertThat(p.voice()).isFalse();
        assertThat(p.split()).isEqualTo(new EffectiveProfile.Split(600, 2, 0));
        assertThat(p.texts().voiceFailed()).as("an empty text switches it off").isEmpty();
        assertThat(p.texts().voiceTooLong()).isEqualTo("Até {seconds} s.");
    }

    @Test
    void thePauseBeforeAFurtherPartIsProportionalAndClampedToHalfASecondAndFourSeconds() {
        EffectiveProfile.Split split = new EffectiveProfile.Split(600, 4, 20);
        assertThat(split.pauseMillis(10)).isEqualTo(500);
        assertThat(split.pauseMillis(100)).isEqualTo(2_000);
        assertThat(split.pauseMillis(600)).isEqualTo(4_000);
        assertThat(new EffectiveProfile.Split(600, 4, 0).pauseMillis(600)).isEqualTo(500);
    }
}

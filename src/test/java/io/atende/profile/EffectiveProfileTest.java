package io.atende.profile;

import org.junit.jupiter.api.Test;

import java.util.List;

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
        assertThat(p.texts()).isEqualTo(new InstanceProfile.Texts("fallback padrão", "ocupado {position}", "só texto"));
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
                new InstanceProfile.Evolution("http://other:9090", "own-key", "own-token"), null, null, null);
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
        assertThat(p.texts()).isEqualTo(new InstanceProfile.Texts("", "ocupado {position}", "Mande texto"));
        assertThat(p.debounceMs()).isEqualTo(500);
        assertThat(p.evolutionBaseUrl()).isEqualTo("http://other:9090");
        assertThat(p.evolutionApiKey()).isEqualTo("own-key");
        assertThat(p.webhookToken()).isEqualTo("own-token");
    }

    @Test
    void listsMatchAnyOfTheContactsAddressesAndIgnoringWins() {
        InstanceProfile profile = new InstanceProfile(null, null, null, null, null, null, null, null, null, null,
                List.of("@lid", "5511900000001"), List.of("@s.whatsapp.net"), null, null, null, null, null);
        EffectiveProfile p = EffectiveProfile.resolve("loja", 1, profile, DEFAULTS);
        assertThat(p.answers("5511999998888@s.whatsapp.net")).isTrue();
        // the same contact, seen by its LID too: ignored
        assertThat(p.answers("5511999998888@s.whatsapp.net", "123456789012345@lid")).isFalse();
        assertThat(p.answers("5511900000001@s.whatsapp.net")).isFalse();
        // not on the allow list
        assertThat(p.answers("120363025246125486@g.us")).isFalse();
    }
}

package io.atende.reply;

import io.atende.support.Profiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each number's Evolution server and key from its profile, and only plain http(s) base URLs in a dynamic URI. */
class EvolutionTargetsTest {

    static final OutboundMessage PART = new OutboundMessage(1, 1, "loja", "5521987654321@s.whatsapp.net", "answer",
            "oi", 0, 1);

    static EvolutionTarget target(String profileJson) {
        return new EvolutionTargets(i -> Profiles.effective(i, profileJson)).of(PART);
    }

    @Test
    void theProfilesServerAndKeyElseTheEnvironments() {
        EvolutionTarget own = target("{\"evolution\":{\"baseUrl\":\"https://evo2.example.com:8443/api/\",\"apiKey\":\"k2\"}}");
        EvolutionTarget env = target("{}");

        assertThat(own).isEqualTo(new EvolutionTarget("loja", true, "https://evo2.example.com:8443/api", "k2"));
        assertThat(env).isEqualTo(new EvolutionTarget("loja", true, "http://evolution.local:8080", "chave-global"));
        assertThat(target("{\"enabled\":false}").enabled()).isFalse();
        assertThat(own.toString()).doesNotContain("k2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://evo/{{atende.admin.token}}", "http://evo?bridgeEndpoint=true", "ftp://evo",
            "http://user:pw@evo", "evo:8080", "http://evo/${header.apikey}", "http://evo/#x"})
    void aBaseUrlThatIsNotPlainHttpIsRefused(String url) {
        assertThatThrownBy(() -> target("{\"evolution\":{\"baseUrl\":\"" + url + "\"}}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining(url);
    }
}

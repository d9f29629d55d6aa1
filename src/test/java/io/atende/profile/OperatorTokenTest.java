package io.atende.profile;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The profile's operatorToken (issue 17): accepted on write, stored as its SHA-256 only, never returned. */
class OperatorTokenTest {

    static final String TOKEN = "op-token-for-the-painel-0001";

    final ProfileJson json = new ProfileJson();

    @Test
    void aPutStoresTheHashOnlyAndTheAnswerSaysItIsSet() {
        ObjectNode stored = ProfileJson.withSecrets(json.document("{\"operatorToken\":\"" + TOKEN + "\"}"),
                json.document("{}").fields());
        assertThat(stored.toString()).doesNotContain(TOKEN)
                .contains("\"operatorTokenHash\":\"" + ProfileJson.operatorTokenHash(TOKEN) + "\"");
        String shown = ProfileJson.render(stored).toString();
        assertThat(shown).isEqualTo("{\"operatorTokenSet\":true}");
        // The GET's body PUT back keeps it; null clears it.
        assertThat(ProfileJson.withSecrets(json.document(shown), stored)).isEqualTo(stored);
        assertThat(ProfileJson.withSecrets(json.document("{\"operatorToken\":null}"), stored).toString()).isEqualTo("{}");
        assertThat(ProfileJson.render(ProfileJson.withSecrets(json.document("{}"), json.document("{}").fields()))
                .has("operatorTokenSet")).isFalse();
    }

    @Test
    void aPatchSetsAndClearsTheHashAndTheHashIsNeverAcceptedFromOutside() {
        ObjectNode empty = json.document("{}").fields();
        ObjectNode set = ProfileJson.mergePatch(empty, json.patch("{\"operatorToken\":\"" + TOKEN + "\",\"facts\":\"x\"}"));
        assertThat(set.get("operatorTokenHash").asText()).isEqualTo(ProfileJson.operatorTokenHash(TOKEN));
        assertThat(ProfileJson.mergePatch(set, json.patch("{\"facts\":\"y\"}")).get("operatorTokenHash"))
                .isEqualTo(set.get("operatorTokenHash"));
        assertThat(ProfileJson.mergePatch(set, json.patch("{\"operatorToken\":null}")).has("operatorTokenHash")).isFalse();
        assertThatThrownBy(() -> ProfileJson.mergePatch(empty, json.patch("{\"operatorTokenHash\":\"" + "a".repeat(64) + "\"}")))
                .isInstanceOfSatisfying(ProfileValidationException.class,
                        e -> assertThat(e.field()).isEqualTo("operatorTokenHash"));
        assertThatThrownBy(() -> json.document("{\"operatorTokenHash\":\"" + "a".repeat(64) + "\"}"))
                .isInstanceOf(ProfileValidationException.class);
    }

    @Test
    void aShortOrSpacedTokenIsA400NamingTheField() {
        for (String bad : new String[] {"\"short\"", "\"has a space in it, twenty chars\"", "42"}) {
            assertThatThrownBy(() -> json.document("{\"operatorToken\":" + bad + "}"))
                    .isInstanceOfSatisfying(ProfileValidationException.class,
                            e -> assertThat(e.field()).isEqualTo("operatorToken"));
        }
    }

    @Test
    void theHistoryNamesTheFieldNotTheHash() {
        ObjectNode empty = json.document("{}").fields();
        ObjectNode set = ProfileJson.mergePatch(empty, json.patch("{\"operatorToken\":\"" + TOKEN + "\"}"));
        assertThat(ProfileJson.changedFields(empty, set)).containsExactly("operatorToken");
    }
}

package io.atende.profile;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.atende.support.HttpProblem;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The document's rules one by one, the field each failure names, merge patch, and the secrets never rendered. */
class ProfileJsonTest {

    final ProfileJson json = new ProfileJson();

    /** The field a body's 400 names. */
    String fieldOf(String body) {
        try {
            json.document(body);
        } catch (ProfileValidationException e) {
            HttpProblem p = e.problem();
            assertThat(p.status()).isEqualTo(400);
            assertThat(p.error()).isEqualTo("bad_request");
            assertThat(p.detail()).isEqualTo(e.getMessage());
            return e.field() == null ? "-" : p.extra().get("field");
        }
        throw new AssertionError("accepted: " + body);
    }

    @Test
    void aCompleteDocumentIsAcceptedAndStoredWithItsKeysSorted() {
        ProfileDocument d = json.document("""
                {"model":"qwen2.5:7b","enabled":false,"displayName":"Loja Centro","systemPrompt":"Você é a Ana.",
                 "facts":"Abrimos às 9h.","temperature":0.3,"numPredict":512,"historyTurns":12,
                 "texts":{"fallback":"","busy":"Fila: {position}","media":"Só texto, por favor."},
                 "trigger":{"type":"keyword","operator":"regex","value":"^(oi|olá)"},
                 "ignoreJids":["@g.us","5511999998888"],"allowJids":[],"debounceMs":1500,
                 "evolution":{"baseUrl":"https://evo.example.com/","apiKey":"k-123","webhookToken":"w-456-long-enough-tok"}}""");
        assertThat(d.fields().fieldNames()).toIterable().containsExactly("allowJids", "debounceMs", "displayName",
                "enabled", "evolution", "facts", "historyTurns", "ignoreJids", "model", "numPredict", "systemPrompt",
                "temperature", "texts", "trigger");
        InstanceProfile p = InstanceProfiles.READER.convertValue(d.fields(), InstanceProfile.class);
        assertThat(p.temperature()).isEqualTo(0.3);
        assertThat(p.evolution().apiKey()).isEqualTo("k-123");
        assertThat(p.texts().fallback()).isEmpty();
    }

    @Test
    void unknownFieldsAreNamedAsDottedPathsAtEveryLevel() {
        assertThat(fieldOf("{\"welcome\":\"oi\"}")).isEqualTo("welcome");
        assertThat(fieldOf("{\"welcome\":null}")).isEqualTo("welcome");
        assertThat(fieldOf("{\"texts\":{\"welcome\":\"oi\"}}")).isEqualTo("texts.welcome");
        assertThat(fieldOf("{\"texts\":{\"welcome\":null}}")).isEqualTo("texts.welcome");
        assertThat(fieldOf("{\"trigger\":{\"type\":\"all\",\"flags\":\"i\"}}")).isEqualTo("trigger.flags");
        assertThat(fieldOf("{\"evolution\":{\"token\":\"x\"}}")).isEqualTo("evolution.token");
        assertThatThrownBy(() -> json.document("{\"texts\":{\"welcome\":\"oi\"}}"))
                .hasMessage("unknown field texts.welcome");
    }

    @Test
    void wrongTypesNameTheField() {
        assertThat(fieldOf("{\"enabled\":\"yes\"}")).isEqualTo("enabled");
        assertThat(fieldOf("{\"displayName\":5}")).isEqualTo("displayName");
        assertThat(fieldOf("{\"temperature\":\"0.5\"}")).isEqualTo("temperature");
        assertThat(fieldOf("{\"numPredict\":12.5}")).isEqualTo("numPredict");
        assertThat(fieldOf("{\"texts\":\"oi\"}")).isEqualTo("texts");
        assertThat(fieldOf("{\"texts\":{\"busy\":[]}}")).isEqualTo("texts.busy");
        assertThat(fieldOf("{\"ignoreJids\":\"@g.us\"}")).isEqualTo("ignoreJids");
        assertThat(fieldOf("{\"allowJids\":[\"@lid\",7]}")).isEqualTo("allowJids[1]");
        assertThat(fieldOf("{\"evolution\":{\"apiKey\":123}}")).isEqualTo("evolution.apiKey");
        assertThat(fieldOf("{\"evolution\":{\"apiKeySet\":\"yes\"}}")).isEqualTo("evolution.apiKeySet");
    }

    @Test
    void rangesAndValues() {
        assertThat(fieldOf("{\"temperature\":2.01}")).isEqualTo("temperature");
        assertThat(fieldOf("{\"temperature\":-0.1}")).isEqualTo("temperature");
        json.document("{\"temperature\":0}");
        json.document("{\"temperature\":2}");
        assertThat(fieldOf("{\"numPredict\":0}")).isEqualTo("numPredict");
        assertThat(fieldOf("{\"numPredict\":32769}")).isEqualTo("numPredict");
        json.document("{\"numPredict\":32768}");
        assertThat(fieldOf("{\"historyTurns\":-1}")).isEqualTo("historyTurns");
        assertThat(fieldOf("{\"historyTurns\":201}")).isEqualTo("historyTurns");
        json.document("{\"historyTurns\":0}");
        assertThat(fieldOf("{\"debounceMs\":600001}")).isEqualTo("debounceMs");
        assertThat(fieldOf("{\"debounceMs\":-5}")).isEqualTo("debounceMs");
        assertThat(fieldOf("{\"model\":\"  \"}")).isEqualTo("model");
        assertThat(fieldOf("{\"displayName\":\"" + "x".repeat(ProfileJson.MAX_DISPLAY_NAME + 1) + "\"}"))
                .isEqualTo("displayName");
        assertThat(fieldOf("{\"systemPrompt\":\"" + "x".repeat(ProfileJson.MAX_SYSTEM_PROMPT + 1) + "\"}"))
                .isEqualTo("systemPrompt");
        assertThat(fieldOf("{\"facts\":\"" + "x".repeat(ProfileJson.MAX_FACTS + 1) + "\"}")).isEqualTo("facts");
        assertThat(fieldOf("{\"texts\":{\"media\":\"" + "x".repeat(ProfileJson.MAX_TEXT + 1) + "\"}}"))
                .isEqualTo("texts.media");
        for (String url : new String[]{"evo.example.com", "ftp://evo.example.com", "http://", "/relative", "http:// x",
                // the URL starts a Camel toD: no placeholder, option or credential may ride on it
                "http://evo:8080?throwExceptionOnFailure=false", "http://evo:8080/{{atende.admin.token}}",
                "http://evo:8080/${header.x}", "http://user:pw@evo:8080", "http://evo:8080/#x"}) {
            assertThat(fieldOf("{\"evolution\":{\"baseUrl\":\"" + url + "\"}}")).as(url).isEqualTo("evolution.baseUrl");
        }
        json.document("{\"evolution\":{\"baseUrl\":\"http://evolution:8080\"}}");
        assertThat(fieldOf("{\"evolution\":{\"webhookToken\":\"short-token\"}}")).isEqualTo("evolution.webhookToken");
        assertThat(fieldOf("{\"evolution\":{\"apiKey\":\" \"}}")).isEqualTo("evolution.apiKey");
    }

    @Test
    void triggersAndJidPatterns() {
        assertThat(fieldOf("{\"trigger\":{\"type\":\"keyword\",\"operator\":\"regex\",\"value\":\"(oi\"}}"))
                .isEqualTo("trigger.value");
        assertThat(fieldOf("{\"trigger\":{\"type\":\"sometimes\"}}")).isEqualTo("trigger.type");
        assertThat(fieldOf("{\"trigger\":{\"type\":\"keyword\",\"operator\":\"like\",\"value\":\"oi\"}}"))
                .isEqualTo("trigger.operator");
        assertThat(fieldOf("{\"trigger\":{\"type\":\"keyword\",\"operator\":\"equals\"}}")).isEqualTo("trigger.value");
        assertThat(fieldOf("{\"trigger\":{\"type\":\"all\",\"value\":\"oi\"}}")).isEqualTo("trigger");
        assertThat(fieldOf("{\"ignoreJids\":[\"@g.us\",\"5511999998888@s.whatsapp.net\",\"not a jid\"]}"))
                .isEqualTo("ignoreJids[2]");
        // The 400's detail never repeats the pattern (it may be a customer's number, and the file loader logs it).
        assertThatThrownBy(() -> json.document("{\"allowJids\":[\"5521987@bad\"]}"))
                .hasMessageNotContaining("5521987").hasMessageStartingWith("allowJids[0] is not a JID pattern");
        json.document("{\"trigger\":{\"type\":\"keyword\",\"operator\":\"startsWith\",\"value\":\"Olá\"}}");
    }

    @Test
    void notAJsonObjectIsA400WithoutAField() {
        for (String body : new String[]{"", "   ", "[]", "\"x\"", "{\"enabled\":", "{\"a\":1,\"a\":2}"}) {
            assertThat(fieldOf(body)).as(body).isEqualTo("-");
        }
        assertThatThrownBy(() -> json.document(null)).isInstanceOf(ProfileValidationException.class);
    }

    @Test
    void secretsAreNeverRenderedOnlyWhetherTheyAreSet() {
        ObjectNode stored = ProfileJson.withSecrets(json.document("""
                {"evolution":{"baseUrl":"https://evo.example.com","apiKey":"k-SECRET","webhookToken":"w-SECRET-long-enough"}}"""),
                json.document("{}").fields());
        String shown = ProfileJson.render(stored).toString();
        assertThat(shown).doesNotContain("SECRET").isEqualTo(
                "{\"evolution\":{\"apiKeySet\":true,\"baseUrl\":\"https://evo.example.com\",\"webhookTokenSet\":true}}");
        ObjectNode onlyUrl = ProfileJson.withSecrets(json.document("{\"evolution\":{\"baseUrl\":\"http://e\"}}"),
                json.document("{}").fields());
        assertThat(ProfileJson.render(onlyUrl).toString())
                .isEqualTo("{\"evolution\":{\"apiKeySet\":false,\"baseUrl\":\"http://e\",\"webhookTokenSet\":false}}");
        assertThat(json.answer(new ProfileVersion("loja", 3, false, stored)))
                .isEqualTo(new ProfileAnswer(200, "\"3\"", shown));
        assertThat(json.answer(new ProfileVersion("loja", 1, true, stored)).status()).isEqualTo(201);
    }

    @Test
    void aPutKeepsTheSecretsItLeavesOutAndClearsThoseItSetsToNull() {
        ObjectNode stored = ProfileJson.withSecrets(json.document(
                "{\"model\":\"a\",\"evolution\":{\"apiKey\":\"k-1\",\"webhookToken\":\"w-1-long-enough-token\"}}"), json.document("{}").fields());

        // A GET's body PUT back as it is (apiKeySet and webhookTokenSet are ignored): nothing changes.
        String got = ProfileJson.render(stored).toString();
        assertThat(ProfileJson.withSecrets(json.document(got), stored)).isEqualTo(stored);
        // Left out, even the whole evolution object: kept. The other fields are replaced.
        assertThat(ProfileJson.withSecrets(json.document("{\"model\":\"b\"}"), stored).toString())
                .isEqualTo("{\"evolution\":{\"apiKey\":\"k-1\",\"webhookToken\":\"w-1-long-enough-token\"},\"model\":\"b\"}");
        // Explicit null: cleared.
        assertThat(ProfileJson.withSecrets(json.document("{\"evolution\":{\"apiKey\":null}}"), stored).toString())
                .isEqualTo("{\"evolution\":{\"webhookToken\":\"w-1-long-enough-token\"}}");
        assertThat(ProfileJson.withSecrets(json.document("{\"evolution\":{\"apiKey\":\"k-2\"}}"), stored).toString())
                .isEqualTo("{\"evolution\":{\"apiKey\":\"k-2\",\"webhookToken\":\"w-1-long-enough-token\"}}");
        assertThat(ProfileJson.withSecrets(json.document("{\"evolution\":null}"), stored).toString()).isEqualTo("{}");
        // Null for any other field: the default, i.e. left out.
        assertThat(ProfileJson.withSecrets(json.document("{\"model\":null,\"evolution\":{\"apiKey\":null,"
                + "\"webhookToken\":null}}"), stored).toString()).isEqualTo("{}");
    }

    @Test
    void mergePatchFollowsRfc7386AndIsValidatedAsAWhole() {
        ObjectNode stored = ProfileJson.withSecrets(json.document("""
                {"model":"a","temperature":0.5,"texts":{"busy":"b","media":"m"},"ignoreJids":["@g.us"],
                 "evolution":{"apiKey":"k-1","webhookToken":"w-1-long-enough-token"}}"""), json.document("{}").fields());

        ObjectNode patched = ProfileJson.mergePatch(stored, json.patch("""
                {"temperature":null,"texts":{"media":null,"fallback":"f"},"ignoreJids":["@lid"],
                 "evolution":{"webhookToken":null,"apiKeySet":true},"displayName":"Loja"}"""));

        assertThat(patched.toString()).isEqualTo("{\"displayName\":\"Loja\",\"evolution\":{\"apiKey\":\"k-1\"},"
                + "\"ignoreJids\":[\"@lid\"],\"model\":\"a\",\"texts\":{\"busy\":\"b\",\"fallback\":\"f\"}}");
        assertThat(stored.get("temperature").asDouble()).as("the stored document is not touched").isEqualTo(0.5);
        assertThatThrownBy(() -> ProfileJson.mergePatch(stored, json.patch("{\"texts\":{\"welcome\":\"oi\"}}")))
                .isInstanceOfSatisfying(ProfileValidationException.class,
                        e -> assertThat(e.field()).isEqualTo("texts.welcome"));
        assertThatThrownBy(() -> ProfileJson.mergePatch(stored, json.patch("{\"temperature\":3}")))
                .isInstanceOfSatisfying(ProfileValidationException.class,
                        e -> assertThat(e.field()).isEqualTo("temperature"));
        assertThatThrownBy(() -> json.patch("[]")).isInstanceOf(ProfileValidationException.class);
    }

    @Test
    void preconditionsAcceptStrongWeakListsAndStar() {
        ProfileStore.precondition("loja", null, 3);
        ProfileStore.precondition("loja", "\"3\"", 3);
        ProfileStore.precondition("loja", "W/\"3\"", 3);
        ProfileStore.precondition("loja", "\"1\", \"3\"", 3);
        ProfileStore.precondition("loja", "*", 3);
        ProfileStore.precondition("loja", "\"0\"", 0);
        for (String stale : new String[]{"\"2\"", "*", "abc", "\"3"}) {
            long current = stale.equals("*") ? 0 : 3;
            assertThatThrownBy(() -> ProfileStore.precondition("loja", stale, current))
                    .isInstanceOfSatisfying(PreconditionFailedException.class, e -> {
                        assertThat(e.problem().status()).isEqualTo(412);
                        assertThat(e.problem().error()).isEqualTo("precondition_failed");
                        assertThat(e.problem().extra()).isEqualTo(Map.of("currentEtag", "\"" + current + "\""));
                    });
        }
    }

    @Test
    void instanceNamesAndWhoChangedIt() {
        assertThat(ProfileJson.changedBy(null)).isEqualTo("admin-api");
        assertThat(ProfileJson.changedBy("  ")).isEqualTo("admin-api");
        assertThat(ProfileJson.changedBy("  maria@loja ")).isEqualTo("maria@loja");
        assertThatThrownBy(() -> ProfileJson.changedBy("x".repeat(101)))
                .isInstanceOfSatisfying(ProfileValidationException.class, e -> assertThat(e.field()).isEqualTo("X-Changed-By"));
        assertThat(ProfileJson.instanceName("loja centro")).isEqualTo("loja centro");
        for (String bad : new String[]{"", "a/b", "x".repeat(101), "a\nb"}) {
            assertThatThrownBy(() -> ProfileJson.instanceName(bad)).as(bad)
                    .isInstanceOfSatisfying(ProfileValidationException.class, e -> assertThat(e.field()).isEqualTo("instance"));
        }
    }

    @Test
    void theHashIgnoresKeyOrderButNotValues() {
        assertThat(ProfileJson.hash(json.patch("{\"b\":1,\"a\":{\"y\":2,\"x\":3}}")))
                .isEqualTo(ProfileJson.hash(json.patch("{\"a\":{\"x\":3,\"y\":2},\"b\":1}")))
                .isNotEqualTo(ProfileJson.hash(json.patch("{\"a\":{\"x\":3,\"y\":2},\"b\":2}")));
    }

    @Test
    void theRecordsARouteCarriesNeverPrintASecret() {
        ProfileDocument d = json.document("{\"model\":\"a\",\"evolution\":{\"apiKey\":\"k-SECRET\"}}");
        assertThat(d.toString()).isEqualTo("ProfileDocument[evolution, model]");
        ProfileVersion v = new ProfileVersion("loja", 2, false, ProfileJson.withSecrets(d, d.fields()));
        assertThat(v.toString()).isEqualTo("ProfileVersion[loja v2]");
        assertThat(new InstancesFile.Entry("loja", d, "h", "f").toString()).isEqualTo("Entry[loja]");
    }
}

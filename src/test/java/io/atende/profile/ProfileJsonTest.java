package io.atende.profile;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.atende.support.HttpProblem;
import org.junit.jupiter.api.Test;

import java.util.List;
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

    static final String QUIET = """
            {"handoff":{"pauseMinutes":30,"keywords":["atendente","falar com alguém"],"resumeKeyword":"#bot",
                        "notifyNumber":"+55 11 99999-0000"},
             "optOut":{"stopKeywords":["parar","sair"],"resumeKeywords":["voltar"]},
             "hours":{"timeZone":"America/Sao_Paulo","weekly":{"mon":["09:00-12:00","13:00-18:00"],"sat":["09:00-24:00"],
                      "sun":[]},"holidays":["2026-12-25"],"outOfHoursPolicy":"notice-only"},
             "texts":{"handoff":"Já chamo alguém.","optOutConfirm":"","optInConfirm":"Oi de novo!","outOfHours":"Fechado."}}""";

    @Test
    void takeoverOptOutAndHoursAreAcceptedAndRoundTripThroughTheRecord() throws Exception {
        ProfileDocument d = json.document(QUIET);
        assertThat(d.fields().fieldNames()).toIterable().containsExactly("handoff", "hours", "optOut", "texts");
        InstanceProfile p = InstanceProfiles.READER.convertValue(d.fields(), InstanceProfile.class);
        assertThat(p.handoff()).isEqualTo(new InstanceProfile.Handoff(30.0, List.of("atendente", "falar com alguém"),
                "#bot", "+55 11 99999-0000"));
        assertThat(p.optOut()).isEqualTo(new InstanceProfile.OptOut(List.of("parar", "sair"), List.of("voltar")));
        assertThat(p.hours().weekly()).containsOnlyKeys("mon", "sat", "sun").containsEntry("sun", List.of());
        assertThat(p.hours().holidays()).containsExactly("2026-12-25");
        assertThat(p.hours().outOfHoursPolicy()).isEqualTo("notice-only");
        assertThat(p.texts()).isEqualTo(new InstanceProfile.Texts(null, null, null, "Já chamo alguém.", "",
                "Oi de novo!", "Fechado."));

        // record -> JSON -> the same stored document
        String back = JsonMapper.builder().serializationInclusion(JsonInclude.Include.NON_NULL).build()
                .writeValueAsString(p);
        assertThat(json.document(back).fields()).isEqualTo(d.fields());
        // and what the API shows is accepted back as it is
        assertThat(json.document(ProfileJson.render(d.fields()).toString()).fields()).isEqualTo(d.fields());
        // decimals are minutes too
        assertThat(json.document("{\"handoff\":{\"pauseMinutes\":0.5}}").fields().toString())
                .isEqualTo("{\"handoff\":{\"pauseMinutes\":0.5}}");
    }

    @Test
    void nullsAndEmptyObjectsAreTheDefaultsButEmptyListsAndAnEmptyWeekAreKept() {
        assertThat(json.document("{\"handoff\":{},\"optOut\":{\"stopKeywords\":null},\"hours\":{\"timeZone\":null},"
                + "\"texts\":{\"handoff\":null}}").fields().toString()).isEqualTo("{}");
        assertThat(json.document("{\"handoff\":null,\"optOut\":null,\"hours\":null}").fields().toString())
                .isEqualTo("{}");
        // [] is "no keywords" (switched off) and {} is "closed every day": neither means the default.
        assertThat(json.document("{\"handoff\":{\"keywords\":[]},\"optOut\":{\"stopKeywords\":[]},"
                + "\"hours\":{\"weekly\":{\"mon\":null}}}").fields().toString())
                .isEqualTo("{\"handoff\":{\"keywords\":[]},\"hours\":{\"weekly\":{}},\"optOut\":{\"stopKeywords\":[]}}");
    }

    @Test
    void takeoverOptOutAndHoursNameTheirFields() {
        assertThat(fieldOf("{\"handoff\":{\"pause\":5}}")).isEqualTo("handoff.pause");
        assertThat(fieldOf("{\"optOut\":{\"keywords\":[]}}")).isEqualTo("optOut.keywords");
        assertThat(fieldOf("{\"hours\":{\"open\":\"9-18\"}}")).isEqualTo("hours.open");
        assertThat(fieldOf("{\"hours\":{\"weekly\":{\"monday\":[]}}}")).isEqualTo("hours.weekly.monday");
        assertThat(fieldOf("{\"texts\":{\"optOut\":\"x\"}}")).isEqualTo("texts.optOut");
        assertThat(fieldOf("{\"handoff\":\"yes\"}")).isEqualTo("handoff");
        assertThat(fieldOf("{\"optOut\":[]}")).isEqualTo("optOut");
        assertThat(fieldOf("{\"hours\":\"9-18\"}")).isEqualTo("hours");

        for (String bad : new String[]{"0", "-1", "10081", "\"30\"", "true"}) {
            assertThat(fieldOf("{\"handoff\":{\"pauseMinutes\":" + bad + "}}")).as(bad).isEqualTo("handoff.pauseMinutes");
        }
        assertThatThrownBy(() -> json.document("{\"handoff\":{\"pauseMinutes\":0}}"))
                .hasMessageStartingWith("handoff.pauseMinutes must be a number greater than 0");
        json.document("{\"handoff\":{\"pauseMinutes\":10080}}");
        json.document("{\"handoff\":{\"pauseMinutes\":0.25}}");

        assertThat(fieldOf("{\"handoff\":{\"keywords\":\"atendente\"}}")).isEqualTo("handoff.keywords");
        assertThat(fieldOf("{\"handoff\":{\"keywords\":[\"atendente\",7]}}")).isEqualTo("handoff.keywords[1]");
        assertThat(fieldOf("{\"handoff\":{\"keywords\":[\" \"]}}")).isEqualTo("handoff.keywords[0]");
        assertThat(fieldOf("{\"handoff\":{\"keywords\":[\"🙏!\"]}}")).isEqualTo("handoff.keywords[0]");
        assertThat(fieldOf("{\"handoff\":{\"keywords\":[\"" + "x".repeat(101) + "\"]}}")).isEqualTo("handoff.keywords[0]");
        assertThat(fieldOf("{\"optOut\":{\"stopKeywords\":" + words(51) + "}}")).isEqualTo("optOut.stopKeywords");
        json.document("{\"optOut\":{\"stopKeywords\":" + words(50) + "}}");
        assertThat(fieldOf("{\"optOut\":{\"resumeKeywords\":[\"voltar\",null]}}")).isEqualTo("optOut.resumeKeywords[1]");
        assertThat(fieldOf("{\"handoff\":{\"resumeKeyword\":\" \"}}")).isEqualTo("handoff.resumeKeyword");
        assertThat(fieldOf("{\"handoff\":{\"resumeKeyword\":[\"#bot\"]}}")).isEqualTo("handoff.resumeKeyword");
        assertThat(fieldOf("{\"handoff\":{\"resumeKeyword\":\"" + "x".repeat(101) + "\"}}"))
                .isEqualTo("handoff.resumeKeyword");

        assertThat(fieldOf("{\"texts\":{\"handoff\":5}}")).isEqualTo("texts.handoff");
        assertThat(fieldOf("{\"texts\":{\"outOfHours\":\"" + "x".repeat(ProfileJson.MAX_TEXT + 1) + "\"}}"))
                .isEqualTo("texts.outOfHours");
    }

    static String words(int n) {
        return java.util.stream.IntStream.range(0, n).mapToObj(i -> "\"w" + i + "\"")
                .collect(java.util.stream.Collectors.joining(",", "[", "]"));
    }

    @Test
    void theNotifyNumberIsTenToFifteenDigitsWithSeparatorsAndNeverRepeated() {
        for (String ok : new String[]{"5511999990000", "+55 11 99999-0000", "+55 (11) 99999-0000", "55.11.99999.0000",
                "1234567890", "123456789012345"}) {
            assertThat(json.document("{\"handoff\":{\"notifyNumber\":\"" + ok + "\"}}").fields()
                    .at("/handoff/notifyNumber").asText()).isEqualTo(ok);
        }
        for (String bad : new String[]{"123456789", "1234567890123456", "5511999990000@s.whatsapp.net",
                "+55 11 99999-0000 ramal 2", "", " ", "55_11_99999_0000"}) {
            assertThat(fieldOf("{\"handoff\":{\"notifyNumber\":\"" + bad + "\"}}")).as(bad)
                    .isEqualTo("handoff.notifyNumber");
        }
        // A YAML number unquoted arrives as a number.
        assertThat(fieldOf("{\"handoff\":{\"notifyNumber\":5511999990000}}")).isEqualTo("handoff.notifyNumber");
        assertThatThrownBy(() -> json.document("{\"handoff\":{\"notifyNumber\":\"5521987654321 x\"}}"))
                .hasMessageStartingWith("handoff.notifyNumber must be a phone number").hasMessageNotContaining("5521987");
    }

    @Test
    void hoursAreCheckedByBusinessHoursWhichNamesTheField() {
        assertThat(fieldOf("{\"hours\":{\"weekly\":[\"09:00-18:00\"]}}")).isEqualTo("hours.weekly");
        assertThat(fieldOf("{\"hours\":{\"weekly\":{\"mon\":\"09:00-18:00\"}}}")).isEqualTo("hours.weekly.mon");
        assertThat(fieldOf("{\"hours\":{\"weekly\":{\"mon\":[900]}}}")).isEqualTo("hours.weekly.mon[0]");
        assertThat(fieldOf("{\"hours\":{\"weekly\":{\"mon\":[\"09:00-12:00\",\"25:00-26:00\"]}}}"))
                .isEqualTo("hours.weekly.mon[1]");
        assertThat(fieldOf("{\"hours\":{\"weekly\":{\"tue\":[\"18:00-09:00\"]}}}")).isEqualTo("hours.weekly.tue[0]");
        assertThat(fieldOf("{\"hours\":{\"weekly\":{\"wed\":[\"\"]}}}")).isEqualTo("hours.weekly.wed[0]");
        assertThat(fieldOf("{\"hours\":{\"weekly\":{\"thu\":[\"09:00-13:00\",\"12:00-18:00\"]}}}"))
                .isEqualTo("hours.weekly.thu[1]");
        assertThatThrownBy(() -> json.document("{\"hours\":{\"weekly\":{\"mon\":[\"09:00-12:00\",\"9h-18h\"]}}}"))
                .hasMessage("hours.weekly.mon[1]: must be HH:MM-HH:MM, e.g. 09:00-18:00");
        assertThat(fieldOf("{\"hours\":{\"holidays\":\"2026-12-25\"}}")).isEqualTo("hours.holidays");
        assertThat(fieldOf("{\"hours\":{\"holidays\":[\"2026-12-25\",\"25/12/2026\"]}}")).isEqualTo("hours.holidays[1]");
        assertThat(fieldOf("{\"hours\":{\"holidays\":[\"2026-02-30\"]}}")).isEqualTo("hours.holidays[0]");
        assertThat(fieldOf("{\"hours\":{\"timeZone\":\"Mars/Olympus\"}}")).isEqualTo("hours.timeZone");
        assertThat(fieldOf("{\"hours\":{\"timeZone\":\" \"}}")).isEqualTo("hours.timeZone");
        assertThat(fieldOf("{\"hours\":{\"outOfHoursPolicy\":\"sometimes\"}}")).isEqualTo("hours.outOfHoursPolicy");
        assertThat(fieldOf("{\"hours\":{\"outOfHoursPolicy\":1}}")).isEqualTo("hours.outOfHoursPolicy");
        json.document("{\"hours\":{\"weekly\":{\"fri\":[\"18:00-24:00\"],\"sat\":[\"00:00-02:00\"]},"
                + "\"outOfHoursPolicy\":\"notice-and-answer\",\"timeZone\":\"Europe/Berlin\"}}");
    }

    @Test
    void aPatchMergesIntoHoursHandoffAndOptOutAndTheHistoryNamesThem() {
        ObjectNode stored = ProfileJson.withSecrets(json.document(QUIET), json.document("{}").fields());

        ObjectNode policy = ProfileJson.mergePatch(stored, json.patch("{\"hours\":{\"outOfHoursPolicy\":\"answer\"}}"));
        assertThat(policy.at("/hours/outOfHoursPolicy").asText()).isEqualTo("answer");
        assertThat(policy.at("/hours/weekly")).isEqualTo(stored.at("/hours/weekly"));
        assertThat(policy.at("/hours/timeZone").asText()).isEqualTo("America/Sao_Paulo");
        assertThat(ProfileJson.changedFields(stored, policy)).containsExactly("hours");

        ObjectNode days = ProfileJson.mergePatch(stored, json.patch(
                "{\"hours\":{\"weekly\":{\"sun\":[\"09:00-12:00\"],\"sat\":null}},\"handoff\":{\"pauseMinutes\":null,"
                        + "\"notifyNumber\":\"5521988887777\"},\"optOut\":{\"resumeKeywords\":[\"voltar\",\"oi\"]}}"));
        assertThat(days.at("/hours/weekly").toString())
                .isEqualTo("{\"mon\":[\"09:00-12:00\",\"13:00-18:00\"],\"sun\":[\"09:00-12:00\"]}");
        assertThat(days.at("/handoff").toString()).isEqualTo("{\"keywords\":[\"atendente\",\"falar com alguém\"],"
                + "\"notifyNumber\":\"5521988887777\",\"resumeKeyword\":\"#bot\"}");
        assertThat(days.at("/optOut/stopKeywords")).isEqualTo(stored.at("/optOut/stopKeywords"));
        assertThat(ProfileJson.changedFields(stored, days)).containsExactly("handoff", "hours", "optOut");

        assertThatThrownBy(() -> ProfileJson.mergePatch(stored, json.patch("{\"hours\":{\"timeZone\":\"X/Y\"}}")))
                .isInstanceOfSatisfying(ProfileValidationException.class,
                        e -> assertThat(e.field()).isEqualTo("hours.timeZone"));
        assertThatThrownBy(() -> ProfileJson.mergePatch(stored, json.patch("{\"handoff\":{\"pauseMinutes\":0}}")))
                .isInstanceOfSatisfying(ProfileValidationException.class,
                        e -> assertThat(e.field()).isEqualTo("handoff.pauseMinutes"));
        // Removing the whole object: the environment's settings again.
        assertThat(ProfileJson.mergePatch(stored, json.patch("{\"hours\":null,\"handoff\":null,\"optOut\":null,"
                + "\"texts\":null}")).toString()).isEqualTo("{}");
    }

    @Test
    void typingSplitAndVoiceAreAcceptedRoundTripAndNameTheirFields() throws Exception {
        ProfileDocument d = json.document("""
                {"typing":false,"split":{"maxChars":300,"maxParts":3,"msPerChar":15},"voice":{"enabled":false},
                 "texts":{"voiceFailed":"Escreva, por favor.","voiceTooLong":""}}""");
        InstanceProfile p = InstanceProfiles.READER.convertValue(d.fields(), InstanceProfile.class);
        assertThat(p.typing()).isFalse();
        assertThat(p.split()).isEqualTo(new InstanceProfile.Split(300, 3, 15));
        assertThat(p.voice()).isEqualTo(new InstanceProfile.Voice(false));
        assertThat(p.texts().voiceFailed()).isEqualTo("Escreva, por favor.");
        assertThat(p.texts().voiceTooLong()).isEmpty();
        String back = JsonMapper.builder().serializationInclusion(JsonInclude.Include.NON_NULL).build()
                .writeValueAsString(p);
        assertThat(json.document(back).fields()).isEqualTo(d.fields());

        assertThat(fieldOf("{\"typing\":\"sim\"}")).isEqualTo("typing");
        assertThat(fieldOf("{\"split\":{\"maxChars\":99}}")).isEqualTo("split.maxChars");
        assertThat(fieldOf("{\"split\":{\"maxChars\":4097}}")).isEqualTo("split.maxChars");
        assertThat(fieldOf("{\"split\":{\"maxParts\":0}}")).isEqualTo("split.maxParts");
        assertThat(fieldOf("{\"split\":{\"msPerChar\":-1}}")).isEqualTo("split.msPerChar");
        assertThat(fieldOf("{\"split\":{\"parts\":2}}")).isEqualTo("split.parts");
        assertThat(fieldOf("{\"voice\":{\"enabled\":1}}")).isEqualTo("voice.enabled");
        assertThat(fieldOf("{\"voice\":{\"model\":\"small\"}}")).isEqualTo("voice.model");
        assertThat(json.document("{\"split\":{},\"voice\":{\"enabled\":null}}").fields().toString()).isEqualTo("{}");
    }
}

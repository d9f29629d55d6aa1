package io.atende.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.atende.profile.InstanceProfiles;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * admin-instances.camel.yaml: each direct route as the REST verbs call it (path parameter header {@code instance},
 * the HTTP headers, the body), and what it answers: 200, 201, 204, 400, 401, 404, 412 and their headers.
 */
class AdminInstancesRoutesTest extends RouteTestSupport {

    static final ObjectMapper JSON = new ObjectMapper();

    /** What a route answered: status (null: the default 200), headers and body. */
    record Answer(Integer status, Map<String, Object> headers, String body) {
        int code() {
            return status == null ? 200 : status;
        }

        JsonNode json() throws Exception {
            return JSON.readTree(body);
        }

        Object header(String name) {
            return headers.get(name);
        }
    }

    Answer call(String route, String instance, String body, String... headerPairs) {
        Exchange done = template.send("direct:" + route, e -> {
            Message in = e.getIn();
            in.setHeader("Authorization", "Bearer " + ADMIN_TOKEN);
            if (instance != null) {
                in.setHeader("instance", instance);
            }
            for (int i = 0; i < headerPairs.length; i += 2) {
                if (headerPairs[i + 1] == null) {
                    in.removeHeader(headerPairs[i]);
                } else {
                    in.setHeader(headerPairs[i], headerPairs[i + 1]);
                }
            }
            // platform-http hands the body over as bytes
            in.setBody(body == null ? null : body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        });
        assertThat(done.getException()).isNull();
        Message out = done.getMessage();
        return new Answer(out.getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class), new LinkedHashMap<>(out.getHeaders()),
                out.getBody(String.class));
    }

    /** A problem+json answer with this status. */
    static JsonNode problem(Answer a, int status) throws Exception {
        assertThat(a.code()).as(a.body()).isEqualTo(status);
        assertThat(a.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(a.body()).doesNotContain("Exception").doesNotContain("io.atende").doesNotContain("SECRET");
        return a.json();
    }

    @Test
    void everyRouteRefusesACallerWithoutTheAdminToken() throws Exception {
        startCamel();
        instance(INSTANCE);
        for (String route : new String[]{"admin-list-instances", "admin-get-instance", "admin-put-instance",
                "admin-patch-instance", "admin-delete-instance", "admin-instance-history"}) {
            Answer refused = call(route, INSTANCE, "{}", "Authorization", "Bearer wrong");
            assertThat(problem(refused, 401).get("error").asText()).as(route).isEqualTo("unauthorized");
            assertThat(refused.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"atende\"");
            assertThat(problem(call(route, INSTANCE, "{}", "Authorization", null), 401)).isNotNull();
        }
        assertThat(value("select count(*) from instance_profile_history")).isEqualTo("0");
    }

    @Test
    void aKnownInstanceWithoutAProfileIsEmptyAtVersionZeroAndAnUnknownOneIsNotFound() throws Exception {
        startCamel();
        instance(INSTANCE);

        Answer got = call("admin-get-instance", INSTANCE, null);
        assertThat(got.code()).isEqualTo(200);
        assertThat(got.body()).isEqualTo("{}");
        assertThat(got.header("ETag")).isEqualTo("\"0\"");
        assertThat(got.header("Content-Type")).isEqualTo("application/json");
        assertThat(got.headers()).doesNotContainKeys("Authorization", "instance");

        assertThat(problem(call("admin-get-instance", "outra", null), 404).get("error").asText()).isEqualTo("not_found");
        assertThat(problem(call("admin-instance-history", "outra", null), 404)).isNotNull();
        assertThat(problem(call("admin-delete-instance", INSTANCE, null), 404)).isNotNull();
        assertThat(call("admin-instance-history", INSTANCE, null).body()).isEqualTo("[]");
    }

    @Test
    void putCreatesThenReplacesAndNeverAnswersASecret() throws Exception {
        startCamel();
        String body = """
                {"displayName":"Loja","temperature":0.3,
                 "evolution":{"baseUrl":"https://evo.example.com","apiKey":"k-SECRET","webhookToken":"w-SECRET-long-enough"}}""";

        Answer created = call("admin-put-instance", INSTANCE, body, "X-Changed-By", "  maria  ",
                "Content-Type", "application/json");
        assertThat(created.code()).isEqualTo(201);
        assertThat(created.header("ETag")).isEqualTo("\"1\"");
        assertThat(created.header("Content-Type")).isEqualTo("application/json");
        assertThat(created.body()).doesNotContain("SECRET").isEqualTo("{\"displayName\":\"Loja\",\"evolution\":"
                + "{\"apiKeySet\":true,\"baseUrl\":\"https://evo.example.com\",\"webhookTokenSet\":true},\"temperature\":0.3}");
        assertThat(value("select updated_by from instance_profiles where instance = ?", INSTANCE)).isEqualTo("maria");

        // The GET's body PUT back as it is: the secrets are kept.
        Answer got = call("admin-get-instance", INSTANCE, null);
        assertThat(got.body()).isEqualTo(created.body());
        Answer replaced = call("admin-put-instance", INSTANCE, got.body(), "If-Match", (String) got.header("ETag"));
        assertThat(replaced.code()).isEqualTo(200);
        assertThat(replaced.header("ETag")).isEqualTo("\"2\"");
        assertThat(value("select profile -> 'evolution' ->> 'apiKey' from instance_profiles")).isEqualTo("k-SECRET");
        InstanceProfiles cache = context.getRegistry().lookupByNameAndType("instanceProfiles", InstanceProfiles.class);
        assertThat(cache.of(INSTANCE).webhookToken()).isEqualTo("w-SECRET-long-enough");

        Answer list = call("admin-list-instances", null, null);
        assertThat(list.code()).isEqualTo(200);
        assertThat(list.json().get(0).get("instance").asText()).isEqualTo(INSTANCE);
        assertThat(list.json().get(0).get("version").asLong()).isEqualTo(2);
        Answer history = call("admin-instance-history", INSTANCE, null);
        assertThat(history.body()).doesNotContain("SECRET");
        assertThat(history.json().findValues("version")).extracting(JsonNode::asLong).containsExactly(2L, 1L);
        assertThat(history.json().get(1).get("changedBy").asText()).isEqualTo("maria");
        assertThat(history.json().get(0).get("changed")).isEmpty();
    }

    @Test
    void validationErrorsAre400NamingTheField() throws Exception {
        startCamel();
        Map<String, String> bodies = Map.of(
                "{\"texts\":{\"welcome\":\"oi\"}}", "texts.welcome",
                "{\"temperature\":2.5}", "temperature",
                "{\"trigger\":{\"type\":\"keyword\",\"operator\":\"regex\",\"value\":\"(\"}}", "trigger.value",
                "{\"ignoreJids\":[\"@g.us\",\"@lid\",\"nope\"]}", "ignoreJids[2]");
        for (var e : bodies.entrySet()) {
            JsonNode p = problem(call("admin-put-instance", INSTANCE, e.getKey()), 400);
            assertThat(p.get("field").asText()).isEqualTo(e.getValue());
            assertThat(p.get("error").asText()).isEqualTo("bad_request");
            assertThat(problem(call("admin-patch-instance", INSTANCE, e.getKey()), 400).get("field").asText())
                    .isEqualTo(e.getValue());
        }
        assertThat(problem(call("admin-put-instance", INSTANCE, "not json"), 400).has("field")).isFalse();
        assertThat(problem(call("admin-put-instance", INSTANCE, null), 400).has("field")).isFalse();
        assertThat(problem(call("admin-put-instance", INSTANCE, "{}", "X-Changed-By", "x".repeat(101)), 400)
                .get("field").asText()).isEqualTo("X-Changed-By");
        assertThat(problem(call("admin-put-instance", "a/b", "{}"), 400).get("field").asText()).isEqualTo("instance");
        assertThat(value("select count(*) from instance_profile_history")).isEqualTo("0");
    }

    @Test
    void aStaleIfMatchIs412AndTheCurrentEtagIsNamed() throws Exception {
        startCamel();
        call("admin-put-instance", INSTANCE, "{\"temperature\":0.1}");
        call("admin-put-instance", INSTANCE, "{\"temperature\":0.2}");

        for (String route : new String[]{"admin-put-instance", "admin-patch-instance", "admin-delete-instance"}) {
            JsonNode p = problem(call(route, INSTANCE, "{\"temperature\":0.9}", "If-Match", "\"1\""), 412);
            assertThat(p.get("error").asText()).as(route).isEqualTo("precondition_failed");
            assertThat(p.get("currentEtag").asText()).isEqualTo("\"2\"");
        }
        assertThat(value("select profile ->> 'temperature' from instance_profiles")).isEqualTo("0.2");

        Answer patched = call("admin-patch-instance", INSTANCE, "{\"numPredict\":99}", "If-Match", "W/\"2\"",
                "Content-Type", "application/merge-patch+json");
        assertThat(patched.code()).isEqualTo(200);
        assertThat(patched.header("ETag")).isEqualTo("\"3\"");
        assertThat(patched.body()).isEqualTo("{\"numPredict\":99,\"temperature\":0.2}");
    }

    @Test
    void patchCreatesDeleteReturnsToTheDefaultsAndVersionsGoOn() throws Exception {
        startCamel();
        instance(INSTANCE);
        Answer created = call("admin-patch-instance", INSTANCE, "{\"model\":\"qwen\"}", "If-Match", "\"0\"");
        assertThat(created.code()).isEqualTo(201);
        assertThat(created.header("ETag")).isEqualTo("\"1\"");

        Answer deleted = call("admin-delete-instance", INSTANCE, null, "If-Match", "\"1\"", "X-Changed-By", "ana");
        assertThat(deleted.code()).isEqualTo(204);
        assertThat(deleted.body()).isNullOrEmpty();
        assertThat(deleted.headers()).doesNotContainKeys("ETag", "Content-Type", "Authorization");

        Answer got = call("admin-get-instance", INSTANCE, null);
        assertThat(got.body()).isEqualTo("{}");
        assertThat(got.header("ETag")).isEqualTo("\"0\"");
        Answer again = call("admin-put-instance", INSTANCE, "{}");
        assertThat(again.code()).isEqualTo(201);
        assertThat(again.header("ETag")).isEqualTo("\"3\"");
        JsonNode history = call("admin-instance-history", INSTANCE, null).json();
        assertThat(history.get(1).get("profile").isNull()).isTrue();
        assertThat(history.get(1).get("changedBy").asText()).isEqualTo("ana");
        assertThat(history.get(1).get("source").asText()).isEqualTo("api");

        instance("sem-perfil");
        JsonNode list = call("admin-list-instances", null, null).json();
        assertThat(list.findValues("instance")).extracting(JsonNode::asText).containsExactly(INSTANCE, "sem-perfil");
        assertThat(list.get(1).get("hasProfile").asBoolean()).isFalse();
        assertThat(list.get(1).get("version").asLong()).isZero();
    }
}

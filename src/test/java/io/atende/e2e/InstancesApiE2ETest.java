package io.atende.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OllamaFixture;
import io.atende.support.AtendeRunner;
import io.atende.support.Http;
import io.atende.support.Payloads;
import io.atende.support.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A business owner's profile from the admin API to the customer and back, over the real gateway and sockets: written
 * with PUT/PATCH (ETag, 412, 400 naming the field, secrets never answered), used by the next webhook (its own token,
 * its persona and facts in the prompt), seeded and re-seeded from the instances file by the rules of the README,
 * kept across a restart with its history, and deleted back to the defaults.
 */
class InstancesApiE2ETest {

    static final String ADMIN = "admin-token-for-instances-e2e";
    static final String GLOBAL_TOKEN = "global-webhook-token-e2e";
    static final String OWN_TOKEN = "own-webhook-token-of-the-loja";
    static final String API_KEY = "evolution-key-of-the-loja";
    static final Duration WAIT = Duration.ofSeconds(20);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;
    @TempDir
    Path configDir;

    OllamaFixture ollama = OllamaFixture.start();
    EvolutionFixture evolution = EvolutionFixture.start(API_KEY);
    AtendeRunner app;
    String dbUrl;
    Path instancesFile;

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
        ollama.close();
        evolution.close();
    }

    private AtendeRunner gateway() {
        return new AtendeRunner().database(dbUrl, dataDir)
                .set("atende.webhook.token", GLOBAL_TOKEN)
                .set("atende.admin.token", ADMIN)
                .set("atende.instances.file", instancesFile.toString())
                .set("atende.instances.check-ms", "200")
                .set("atende.ollama.base-url", ollama.baseUrl())
                .set("atende.evolution.base-url", evolution.baseUrl())
                // The environment's key is not the one this Evolution accepts: only the profile's key gets through.
                .set("atende.evolution.api-key", "not-the-key")
                .start();
    }

    @Test
    void aProfileFromTheApiToTheCustomerThroughTheFileAndARestart() throws Exception {
        dbUrl = TestPostgres.newDatabase();
        instancesFile = configDir.resolve("instances.yaml");
        Files.writeString(instancesFile, """
                instances:
                  padaria:
                    displayName: Padaria do arquivo
                """);
        app = gateway();

        // The file's entry is applied shortly after the start.
        await().atMost(WAIT).until(() -> get("/admin/instances/padaria").statusCode() == 200);
        assertThat(json(get("/admin/instances/padaria")).get("displayName").asText()).isEqualTo("Padaria do arquivo");

        // PUT creates (201, ETag "1"); the answer never holds a secret.
        HttpResponse<String> created = send("PUT", "/admin/instances/loja", """
                {"displayName":"Loja Centro",
                 "systemPrompt":"Você é a Ana, atendente da Loja Centro.",
                 "facts":"Horário: seg a sex, 9h às 18h. Frete grátis acima de R$ 150.",
                 "evolution":{"apiKey":"%s","webhookToken":"%s"}}""".formatted(API_KEY, OWN_TOKEN),
                "X-Changed-By", "dona-marta");
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.headers().firstValue("ETag")).hasValue("\"1\"");
        assertThat(created.body()).doesNotContain(API_KEY).doesNotContain(OWN_TOKEN);
        JsonNode stored = json(get("/admin/instances/loja"));
        assertThat(stored.get("evolution").get("apiKeySet").asBoolean()).isTrue();
        assertThat(stored.get("evolution").get("webhookTokenSet").asBoolean()).isTrue();

        // A stale If-Match is 412; validation names the field; nothing of either is stored.
        assertThat(send("PUT", "/admin/instances/loja", "{\"displayName\":\"x\"}", "If-Match", "\"0\"").statusCode())
                .isEqualTo(412);
        HttpResponse<String> unknown = send("PUT", "/admin/instances/loja", "{\"texts\":{\"welcome\":\"oi\"}}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(json(unknown).get("field").asText()).isEqualTo("texts.welcome");
        assertThat(json(send("PATCH", "/admin/instances/loja", "{\"temperature\":3}")).get("field").asText())
                .isEqualTo("temperature");
        assertThat(json(send("PATCH", "/admin/instances/loja",
                "{\"trigger\":{\"type\":\"keyword\",\"operator\":\"regex\",\"value\":\"([a-z\"}}")).get("field").asText())
                .isEqualTo("trigger.value");
        assertThat(json(send("PATCH", "/admin/instances/loja", "{\"ignoreJids\":[\"@example.com\"]}")).get("field")
                .asText()).isEqualTo("ignoreJids[0]");

        // A merge patch with the current ETag: the secrets it leaves out are kept.
        HttpResponse<String> patched = send("PATCH", "/admin/instances/loja", "{\"temperature\":0.5}",
                "If-Match", "\"1\"", "Content-Type", "application/merge-patch+json");
        assertThat(patched.statusCode()).isEqualTo(200);
        assertThat(patched.headers().firstValue("ETag")).hasValue("\"2\"");
        assertThat(json(patched).get("evolution").get("apiKeySet").asBoolean()).isTrue();

        // The next webhook of the number: its own token only, its persona and facts, its Evolution key.
        String marker = "vocês entregam? " + System.nanoTime();
        assertThat(webhook("loja", GLOBAL_TOKEN, marker).statusCode()).isEqualTo(401);
        assertThat(webhook("loja", OWN_TOKEN, marker).statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> evolution.sent().stream().anyMatch(s -> s.text().contains(marker)));
        OllamaFixture.ChatCall call = ollama.calls().stream().filter(c -> c.lastUserContent().contains(marker))
                .findFirst().orElseThrow();
        assertThat(call.messages().get(0).content()).startsWith("Você é a Ana, atendente da Loja Centro.")
                .contains("Frete grátis acima de R$ 150.");
        assertThat(((Number) call.option("temperature")).doubleValue()).isEqualTo(0.5);

        // The history: who changed what, newest first, without secrets.
        HttpResponse<String> history = get("/admin/instances/loja/history");
        assertThat(history.body()).doesNotContain(API_KEY).doesNotContain(OWN_TOKEN);
        JsonNode versions = json(history);
        assertThat(versions.findValuesAsText("version")).containsExactly("2", "1");
        assertThat(versions.findValuesAsText("changedBy")).containsExactly("admin-api", "dona-marta");
        assertThat(versions.get(0).get("changed").toString()).contains("temperature");

        // The file: an API edit of padaria wins while its entry stays the same; a new entry is applied; once the
        // entry changes, it replaces the profile.
        assertThat(send("PATCH", "/admin/instances/padaria", "{\"displayName\":\"Padaria da API\"}").statusCode())
                .isEqualTo(200);
        Files.writeString(instancesFile, """
                instances:
                  padaria:
                    displayName: Padaria do arquivo
                  oficina:
                    displayName: Oficina do arquivo
                """);
        await().atMost(WAIT).until(() -> get("/admin/instances/oficina").statusCode() == 200);
        assertThat(json(get("/admin/instances/padaria")).get("displayName").asText()).isEqualTo("Padaria da API");
        Files.writeString(instancesFile, """
                instances:
                  padaria:
                    displayName: Padaria, nova versão do arquivo
                """);
        await().atMost(WAIT).until(() -> json(get("/admin/instances/padaria")).get("displayName").asText()
                .equals("Padaria, nova versão do arquivo"));
        // removed from the file: left as it is
        assertThat(json(get("/admin/instances/oficina")).get("displayName").asText()).isEqualTo("Oficina do arquivo");

        // A restart keeps the profiles, their versions and their history.
        app.close();
        app = gateway();
        HttpResponse<String> afterRestart = get("/admin/instances/loja");
        assertThat(afterRestart.headers().firstValue("ETag")).hasValue("\"2\"");
        assertThat(json(afterRestart).get("facts").asText()).contains("Frete grátis");
        assertThat(json(get("/admin/instances/loja/history")).findValuesAsText("version")).containsExactly("2", "1");
        assertThat(json(get("/admin/instances/padaria")).get("displayName").asText())
                .isEqualTo("Padaria, nova versão do arquivo");
        List<String> listed = new ArrayList<>(json(get("/admin/instances")).findValuesAsText("instance"));
        assertThat(listed).contains("loja", "padaria", "oficina");
        assertThat(webhook("loja", GLOBAL_TOKEN, "ainda eu").statusCode()).isEqualTo(401);

        // DELETE returns the number to the environment's defaults: the global token again, and {} with ETag "0".
        assertThat(send("DELETE", "/admin/instances/loja", null, "If-Match", "\"1\"").statusCode()).isEqualTo(412);
        assertThat(send("DELETE", "/admin/instances/loja", null, "If-Match", "\"2\"").statusCode()).isEqualTo(204);
        HttpResponse<String> defaults = get("/admin/instances/loja");
        assertThat(defaults.body()).isEqualTo("{}");
        assertThat(defaults.headers().firstValue("ETag")).hasValue("\"0\"");
        assertThat(webhook("loja", GLOBAL_TOKEN, "de volta ao padrão " + System.nanoTime()).statusCode()).isEqualTo(200);
        assertThat(webhook("loja", OWN_TOKEN, "token antigo").statusCode()).isEqualTo(401);
    }

    private HttpResponse<String> webhook(String instance, String token, String text) {
        return Http.post(app.baseUrl() + "/webhooks/evolution",
                Payloads.fixture("01-text-conversation.json").instance(instance)
                        .id("3A" + Long.toHexString(System.nanoTime()).toUpperCase()).text(text).json(),
                "Authorization", "Bearer " + token);
    }

    private HttpResponse<String> get(String path) {
        return send("GET", path, null);
    }

    private HttpResponse<String> send(String method, String path, String body, String... headers) {
        return Http.send(method, app.baseUrl() + path, ADMIN, body, headers);
    }

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

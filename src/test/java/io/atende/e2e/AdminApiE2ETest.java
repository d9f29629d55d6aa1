package io.atende.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OllamaFixture;
import io.atende.support.AtendeRunner;
import io.atende.support.Http;
import io.atende.support.Payloads;
import io.atende.support.TestPostgres;
import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The admin API over the real gateway and real sockets: the OpenAPI document a client downloads and parses, the
 * conversations Evolution's webhooks made (list and transcript, masked and unmasked), and the dead letters next to them.
 */
class AdminApiE2ETest {

    static final String ADMIN = "admin-token-for-tests";
    static final String PHONE = "5521987654321";
    static final String UNREACHABLE = "5511900000009";
    static final Duration WAIT = Duration.ofSeconds(20);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    OllamaFixture ollama = OllamaFixture.start();
    EvolutionFixture evolution = EvolutionFixture.start("k");
    AtendeRunner app;
    String dbUrl;

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
        ollama.close();
        evolution.close();
    }

    @Test
    void documentConversationsAndDeadLettersOverTheRealGateway() throws Exception {
        dbUrl = TestPostgres.newDatabase();
        app = new AtendeRunner().database(dbUrl, dataDir)
                .set("atende.webhook.token", "t")
                .set("atende.admin.token", ADMIN)
                .set("atende.send.max-attempts", "2")
                .set("atende.ollama.base-url", ollama.baseUrl())
                .set("atende.evolution.base-url", evolution.baseUrl())
                .set("atende.evolution.api-key", "k")
                .start();
        evolution.notOnWhatsApp(UNREACHABLE);

        post("3AADMINE2E0000000001", PHONE, "oi, tudo bem?");
        await().atMost(WAIT).until(() -> "sent".equals(query("select status from messages where direction = 'out'")));
        await().atMost(WAIT).until(() -> "0".equals(query("select count(*) from conversations where state <> 'idle'")));
        post("3AADMINE2E0000000002", UNREACHABLE, "alguém aí?");
        await().atMost(WAIT).until(() -> "1".equals(query("select count(*) from dead_letters")));
        await().atMost(WAIT).until(() -> "0".equals(query("select count(*) from conversations where state <> 'idle'")));

        // The document: the token first, then a valid OpenAPI 3 document with every operation.
        assertThat(get("/admin/openapi.json", null).statusCode()).isEqualTo(401);
        HttpResponse<String> document = get("/admin/openapi.json", ADMIN);
        assertThat(document.statusCode()).isEqualTo(200);
        SwaggerParseResult parsed = new OpenAPIParser().readContents(document.body(), null, null);
        assertThat(parsed.getMessages()).isEmpty();
        OpenAPI api = parsed.getOpenAPI();
        List<String> operations = new ArrayList<>();
        api.getPaths().forEach((path, item) -> item.readOperationsMap().keySet().forEach(m -> operations.add(m + " " + path)));
        assertThat(operations).containsExactlyInAnyOrder("GET /admin/openapi.json", "GET /admin/dead-letters",
                "GET /admin/dead-letters/{id}", "POST /admin/dead-letters/{id}/replay", "GET /admin/instances",
                "GET /admin/instances/{instance}", "PUT /admin/instances/{instance}", "PATCH /admin/instances/{instance}",
                "DELETE /admin/instances/{instance}", "GET /admin/instances/{instance}/history", "GET /admin/conversations",
                "GET /admin/conversations/{instance}/{contact}", "POST /admin/conversations/{instance}/{contact}/pause",
                "POST /admin/conversations/{instance}/{contact}/resume", "GET /admin/handoffs");
        assertThat(api.getComponents().getSecuritySchemes()).containsOnlyKeys("adminToken");

        // The list: both conversations, idle, numbers masked; whole with unmask=true.
        assertThat(get("/admin/conversations", null).statusCode()).isEqualTo(401);
        HttpResponse<String> listed = get("/admin/conversations", ADMIN);
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(listed.body()).doesNotContain(PHONE).doesNotContain(UNREACHABLE);
        JsonNode items = JSON.readTree(listed.body()).get("items");
        assertThat(items.findValuesAsText("contact")).containsExactly("5511*******09", "5521*******21");
        assertThat(items.findValuesAsText("state")).containsExactly("idle", "idle");
        assertThat(items.findValuesAsText("pushName")).containsExactly("Maria Souza", "Maria Souza");
        assertThat(JSON.readTree(get("/admin/conversations?unmask=true&q=8765", ADMIN).body()).get("items")
                .findValuesAsText("contact")).containsExactly(PHONE);
        assertThat(get("/admin/conversations?state=replying", ADMIN).statusCode()).isEqualTo(400);

        // The transcript: the customer's message and the answer, oldest first, texts shown, number masked.
        HttpResponse<String> transcript = get("/admin/conversations/loja/" + PHONE, ADMIN);
        assertThat(transcript.statusCode()).isEqualTo(200);
        assertThat(transcript.body()).doesNotContain(PHONE);
        JsonNode messages = JSON.readTree(transcript.body()).get("messages");
        assertThat(messages.findValuesAsText("text")).containsExactly("oi, tudo bem?", "Resposta: oi, tudo bem?");
        assertThat(messages.findValuesAsText("status")).containsExactly("answered", "sent");
        assertThat(messages.get(0).get("remoteJid").asText()).isEqualTo("5521*******21@s.whatsapp.net");
        assertThat(JSON.readTree(get("/admin/conversations/loja/" + PHONE + "?unmask=true", ADMIN).body())
                .get("messages").get(0).get("remoteJid").asText()).isEqualTo(PHONE + "@s.whatsapp.net");
        assertThat(get("/admin/conversations/loja/5500000000000", ADMIN).statusCode()).isEqualTo(404);

        // The dead letters keep working under the REST DSL, and unknown paths or methods get problem bodies.
        JsonNode letters = JSON.readTree(get("/admin/dead-letters", ADMIN).body());
        assertThat(letters).hasSize(1);
        assertThat(letters.get(0).get("contact").asText()).isEqualTo("5511*******09@s.whatsapp.net");
        evolution.everyoneOnWhatsApp();
        HttpResponse<String> replay = send("POST", "/admin/dead-letters/" + letters.get(0).get("id").asLong() + "/replay", ADMIN);
        assertThat(replay.statusCode()).isEqualTo(202);
        await().atMost(WAIT).until(() -> evolution.sent().stream().anyMatch(s -> s.number().equals(UNREACHABLE)));
        HttpResponse<String> unknown = get("/admin/nothing", ADMIN);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        HttpResponse<String> wrongMethod = send("DELETE", "/admin/conversations", ADMIN);
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("GET");
    }

    private void post(String waId, String phone, String text) {
        String jid = phone + "@s.whatsapp.net";
        var ack = Http.post(app.baseUrl() + "/webhooks/evolution",
                Payloads.fixture("01-text-conversation.json").instance("loja").id(waId).remoteJid(jid)
                        .remoteJidAlt(jid).text(text).json(),
                "Authorization", "Bearer t");
        assertThat(ack.statusCode()).isEqualTo(200);
    }

    private HttpResponse<String> get(String path, String adminToken) {
        return send("GET", path, adminToken);
    }

    private HttpResponse<String> send(String method, String path, String adminToken) {
        return Http.send(method, app.baseUrl() + path, adminToken, null);
    }

    private String query(String sql) {
        try (Connection c = DriverManager.getConnection(dbUrl, "postgres", "");
             ResultSet rs = c.createStatement().executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

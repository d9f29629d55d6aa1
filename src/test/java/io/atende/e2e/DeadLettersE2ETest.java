package io.atende.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OllamaFixture;
import io.atende.support.AtendeRunner;
import io.atende.support.Http;
import io.atende.support.Payloads;
import io.atende.support.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Reply parts Atende gave up on become dead letters an operator can list and replay, over the real gateway:
 * a real PostgreSQL, the Ollama- and Evolution-protocol servers on real sockets, and the /admin endpoints.
 */
class DeadLettersE2ETest {

    static final String ADMIN = "admin-token-for-tests";
    static final String PHONE = "5521987654321";
    static final Duration WAIT = Duration.ofSeconds(20);
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dataDir;

    OllamaFixture ollama;
    EvolutionFixture evolution;
    AtendeRunner app;
    String dbUrl;

    @BeforeEach
    void fixtures() {
        ollama = OllamaFixture.start();
        evolution = EvolutionFixture.start("k");
    }

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
        ollama.close();
        evolution.close();
    }

    private void startApp(String jdbcUrl, String adminToken) {
        app = new AtendeRunner()
                .database(jdbcUrl, dataDir)
                .set("atende.webhook.token", "t")
                .set("atende.admin.token", adminToken)
                .set("atende.send.max-attempts", "4")
                .set("atende.ollama.base-url", ollama.baseUrl())
                .set("atende.evolution.base-url", evolution.baseUrl())
                .set("atende.evolution.api-key", "k")
                .start();
    }

    @Test
    void numberNotOnWhatsAppBecomesADeadLetterWhoseReplayIsDeliveredOnce() throws Exception {
        dbUrl = TestPostgres.newDatabase();
        startApp(dbUrl, ADMIN);
        evolution.notOnWhatsApp(PHONE);

        post("3ADLQ000000000000001", PHONE, "oi");
        await().atMost(WAIT).until(() -> "dead".equals(query("select status from messages where direction = 'out'")));
        // Rejected (400 exists:false): one attempt only, and the conversation is free again.
        await().atMost(WAIT).until(() -> "idle".equals(query("select state from conversations")));
        assertThat(evolution.attempts()).singleElement().satisfies(a -> assertThat(a.status()).isEqualTo(400));
        assertThat(evolution.sent()).isEmpty();
        long messageId = Long.parseLong(query("select id from messages where direction = 'out'"));

        // Without the admin token: 401, nothing else.
        HttpResponse<String> anonymous = get("/admin/dead-letters", null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.body())
                .isEqualTo("{\"type\":\"about:blank\",\"title\":\"Unauthorized\",\"status\":401,\"error\":\"unauthorized\"}");
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(get("/admin/dead-letters", "wrong-" + ADMIN).statusCode()).isEqualTo(401);
        assertThat(get("/admin/dead-letters", ADMIN.substring(1)).statusCode()).isEqualTo(401);
        // The token is taken from the header only, never from the URL (which proxies and access logs keep).
        assertThat(get("/admin/dead-letters?Authorization=Bearer%20" + ADMIN, null).statusCode()).isEqualTo(401);
        assertThat(get("/admin/dead-letters?CamelHttpQuery=x&authorization=Bearer%20" + ADMIN, null).statusCode()).isEqualTo(401);
        assertThat(Http.post(app.baseUrl() + "/admin/dead-letters/1/replay", "").statusCode()).isEqualTo(401);

        // The letter: masked contact, the text's length only, Evolution's status, one attempt.
        HttpResponse<String> listed = get("/admin/dead-letters", ADMIN);
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(listed.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(listed.headers().firstValue("Authorization")).isEmpty();
        assertThat(listed.body()).doesNotContain(PHONE).doesNotContain("Resposta").doesNotContain("\"text\"");
        JsonNode letters = JSON.readTree(listed.body());
        assertThat(letters.isArray()).isTrue();
        assertThat(letters).hasSize(1);
        JsonNode letter = letters.get(0);
        long letterId = letter.get("id").asLong();
        assertThat(letter.get("messageId").asLong()).isEqualTo(messageId);
        assertThat(letter.get("instance").asText()).isEqualTo("loja");
        assertThat(letter.get("contact").asText()).isEqualTo("5521*******21@s.whatsapp.net");
        assertThat(letter.get("kind").asText()).isEqualTo("answer");
        assertThat(letter.get("reason").asText()).contains("HTTP 400").contains("exists").contains("5521*******21");
        assertThat(letter.get("lastHttpStatus").asInt()).isEqualTo(400);
        assertThat(letter.get("attempts").asInt()).isEqualTo(1);
        assertThat(letter.get("textLength").asInt()).isEqualTo("Resposta: oi".length());
        assertThat(Instant.parse(letter.get("createdAt").asText())).isBefore(Instant.now().plusSeconds(1));
        assertThat(letter.get("replayedAt").isNull()).isTrue();
        assertThat(letter.get("replayCount").asInt()).isZero();
        assertThat(deadLettersGauge()).isEqualTo("1.0");

        // The number is on WhatsApp now: replay.
        evolution.everyoneOnWhatsApp();
        HttpResponse<String> replay = post("/admin/dead-letters/" + letterId + "/replay", ADMIN);
        assertThat(replay.statusCode()).isEqualTo(202);
        assertThat(replay.body()).isEqualTo("{\"status\":\"replaying\"}");

        await().atMost(WAIT).until(() -> "sent".equals(query("select status from messages where direction = 'out'")));
        await().atMost(WAIT).until(() -> "idle".equals(query("select state from conversations")));
        assertThat(evolution.sent()).singleElement().satisfies(s -> {
            assertThat(s.number()).isEqualTo(PHONE);
            assertThat(s.text()).isEqualTo("Resposta: oi");
        });

        // The letter shows replayed and is no longer open.
        JsonNode replayed = JSON.readTree(get("/admin/dead-letters/" + letterId, ADMIN).body());
        assertThat(replayed.get("replayedAt").isNull()).isFalse();
        assertThat(replayed.get("replayCount").asInt()).isEqualTo(1);
        assertThat(replayed.get("contact").asText()).isEqualTo("5521*******21@s.whatsapp.net");
        assertThat(JSON.readTree(get("/admin/dead-letters", ADMIN).body())).isEmpty();
        assertThat(deadLettersGauge()).isEqualTo("0.0");

        // A second replay is refused, an unknown letter is not found; neither sends anything.
        HttpResponse<String> again = post("/admin/dead-letters/" + letterId + "/replay", ADMIN);
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(again.body()).isEqualTo("{\"type\":\"about:blank\",\"title\":\"Conflict\",\"status\":409,"
                + "\"error\":\"conflict\",\"reason\":\"already_replayed\"}");
        HttpResponse<String> unknown = post("/admin/dead-letters/999999/replay", ADMIN);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body())
                .isEqualTo("{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,\"error\":\"not_found\"}");
        assertThat(post("/admin/dead-letters/not-a-number/replay", ADMIN).statusCode()).isEqualTo(404);
        assertThat(get("/admin/dead-letters/999999", ADMIN).statusCode()).isEqualTo(404);

        // The conversation carries on; the customer got exactly one copy of the replayed reply.
        post("3ADLQ000000000000002", PHONE, "tudo certo?");
        await().atMost(WAIT).until(() -> evolution.sent().size() >= 2);
        await().atMost(WAIT).until(() -> "idle".equals(query("select state from conversations")));
        assertThat(evolution.sent()).extracting(EvolutionFixture.SentText::text)
                .containsExactly("Resposta: oi", "Resposta: tudo certo?");
        assertThat(query("select string_agg(coalesce(http_status, 0)::text || ':' || outcome, ',' order by id) "
                + "from delivery_attempts where message_id = " + messageId)).isEqualTo("400:rejected,201:accepted");
    }

    @Test
    void openLettersArePagedNewestFirstAndBadPagingIsRefused() throws Exception {
        dbUrl = TestPostgres.newDatabase();
        startApp(dbUrl, ADMIN);
        List<String> phones = List.of("5511900000001", "5511900000002", "5511900000003");
        evolution.notOnWhatsApp(phones.toArray(String[]::new));
        for (int i = 0; i < phones.size(); i++) {
            post("3ADLQPAGE00000000000" + i, phones.get(i), "oi " + i);
        }
        await().atMost(WAIT).until(() -> "3".equals(query("select count(*) from dead_letters")));

        JsonNode first = JSON.readTree(get("/admin/dead-letters?limit=2", ADMIN).body());
        assertThat(first).hasSize(2);
        long last = first.get(1).get("id").asLong();
        assertThat(first.get(0).get("id").asLong()).isGreaterThan(last);
        JsonNode second = JSON.readTree(get("/admin/dead-letters?limit=2&before=" + last, ADMIN).body());
        assertThat(second).hasSize(1);
        assertThat(second.get(0).get("id").asLong()).isLessThan(last);
        assertThat(JSON.readTree(get("/admin/dead-letters?before=" + second.get(0).get("id").asLong(), ADMIN).body())).isEmpty();

        List<String> contacts = new ArrayList<>();
        List.of(first.get(0), first.get(1), second.get(0)).forEach(l -> contacts.add(l.get("contact").asText()));
        assertThat(contacts).containsExactlyInAnyOrder(
                "5511*******01@s.whatsapp.net", "5511*******02@s.whatsapp.net", "5511*******03@s.whatsapp.net");
        assertThat(deadLettersGauge()).isEqualTo("3.0");

        for (String bad : List.of("limit=0", "limit=501", "limit=abc", "before=-1", "before=x")) {
            HttpResponse<String> r = get("/admin/dead-letters?" + bad, ADMIN);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("bad_request");
        }
    }

    @Test
    void generatedAdminTokenWorksAndPostgresDownAnswers503WithoutAStackTrace() throws Exception {
        EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
        boolean pgClosed = false;
        try {
            startApp(pg.getJdbcUrl("postgres", "postgres"), "");
            Path file = dataDir.resolve("admin-token");
            assertThat(file).exists();
            String token = Files.readString(file).strip();
            assertThat(get("/admin/dead-letters", token).body()).isEqualTo("[]");

            pg.close();
            pgClosed = true;
            HttpResponse<String> down = get("/admin/dead-letters", token);
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(down.headers().firstValue("Retry-After")).contains("30");
            assertThat(down.body()).contains("\"error\":\"unavailable\"").doesNotContain("Exception").doesNotContain("\tat ");
            assertThat(post("/admin/dead-letters/1/replay", token).statusCode()).isEqualTo(503);
            // Authentication comes first: no token still means 401, whatever the database.
            assertThat(get("/admin/dead-letters", null).statusCode()).isEqualTo(401);
        } finally {
            if (!pgClosed) {
                pg.close();
            }
        }
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
        return send(request(path, adminToken).GET().build());
    }

    private HttpResponse<String> post(String path, String adminToken) {
        return send(request(path, adminToken).POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    private HttpRequest.Builder request(String path, String adminToken) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(app.baseUrl() + path)).timeout(Duration.ofSeconds(20));
        if (adminToken != null) {
            b.header("Authorization", "Bearer " + adminToken);
        }
        return b;
    }

    private static HttpResponse<String> send(HttpRequest request) {
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The atende_dead_letters sample as Prometheus shows it, e.g. "1.0". */
    private String deadLettersGauge() {
        String body = Http.get(app.baseUrl() + "/observe/metrics").body();
        return body.lines().filter(l -> l.startsWith("atende_dead_letters ")).map(l -> l.substring(l.indexOf(' ') + 1))
                .findFirst().orElse("(absent)");
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

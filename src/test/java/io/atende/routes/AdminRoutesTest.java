package io.atende.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.atende.reply.OutboundMessage;
import io.atende.store.Sql;
import io.atende.store.StoreUnavailableException;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * admin.camel.yaml and the problem+json answers of http-errors.camel.yaml, over real HTTP on the context's port:
 * the token, listing and paging, one letter, a replay handed to delivery (a mock) once, and what a failure answers.
 */
class AdminRoutesTest extends RouteTestSupport {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final String UNAUTHORIZED =
            "{\"type\":\"about:blank\",\"title\":\"Unauthorized\",\"status\":401,\"error\":\"unauthorized\"}";

    @Test
    void withoutTheAdminTokenInTheHeaderEveryRequestIs401() throws Exception {
        startCamel();
        long letter = deadLetter(part(conversation("idle"), "answer", "Abrimos às 9h.", "dead", 0, 1));

        for (HttpResponse<String> refused : List.of(
                get("/admin/dead-letters", null),
                get("/admin/dead-letters", "wrong-" + ADMIN_TOKEN),
                get("/admin/dead-letters", ADMIN_TOKEN.substring(1)),
                // Never from the URL (proxies and access logs keep it), not even next to a good header.
                get("/admin/dead-letters?Authorization=Bearer%20" + ADMIN_TOKEN, null),
                get("/admin/dead-letters?authorization=Bearer%20" + ADMIN_TOKEN, ADMIN_TOKEN),
                get("/admin/dead-letters/" + letter, null),
                post("/admin/dead-letters/" + letter + "/replay", null))) {
            assertThat(problem(refused, 401).toString()).isEqualTo(UNAUTHORIZED);
            assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"atende\"");
        }
        assertThat(value("select replayed_at from dead_letters where id = ?", letter)).isNull();
        assertThat(column("select status from messages")).containsExactly("dead");
    }

    @Test
    void openLettersAreListedNewestFirstAndPagedWithoutTexts() throws Exception {
        startCamel();
        long conversation = conversation("idle");
        long first = deadLetter(part(conversation, "answer", "Parte um.", "dead", 0, 3));
        long second = deadLetter(part(conversation, "answer", "Parte dois, mais longa.", "dead", 1, 3));
        long third = deadLetter(part(conversation, "notice", "Aviso.", "dead", 2, 3));
        long replayed = deadLetter(part(conversation, "answer", "Já reenviada.", "ready", 0, 1));
        execute("update dead_letters set replayed_at = now(), replay_count = 1 where id = ?", replayed);

        HttpResponse<String> all = get("/admin/dead-letters", ADMIN_TOKEN);
        assertThat(all.statusCode()).isEqualTo(200);
        assertThat(all.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(all.headers().firstValue("Authorization")).isEmpty();
        assertThat(all.body()).doesNotContain("5521987654321").doesNotContain("Parte").doesNotContain("\"text\"");
        assertThat(ids(all)).containsExactly(third, second, first);
        JsonNode letter = JSON.readTree(all.body()).get(1);
        assertThat(letter.get("messageId").asLong())
                .isEqualTo(Long.parseLong(value("select message_id from dead_letters where id = ?", second)));
        assertThat(letter.get("instance").asText()).isEqualTo(INSTANCE);
        assertThat(letter.get("contact").asText()).isEqualTo("5521*******21@s.whatsapp.net");
        assertThat(letter.get("kind").asText()).isEqualTo("answer");
        assertThat(letter.get("reason").asText()).isEqualTo("Evolution API answered HTTP 500: Internal Server Error");
        assertThat(letter.get("lastHttpStatus").asInt()).isEqualTo(500);
        assertThat(letter.get("attempts").asInt()).isEqualTo(3);
        assertThat(letter.get("textLength").asInt()).isEqualTo("Parte dois, mais longa.".length());
        assertThat(letter.get("replayedAt").isNull()).isTrue();

        assertThat(ids(get("/admin/dead-letters?limit=2", ADMIN_TOKEN))).containsExactly(third, second);
        assertThat(ids(get("/admin/dead-letters?limit=2&before=" + second, ADMIN_TOKEN))).containsExactly(first);
        assertThat(ids(get("/admin/dead-letters?before=" + first, ADMIN_TOKEN))).isEmpty();

        for (String limit : List.of("0", "abc", "501")) {
            assertThat(problem(get("/admin/dead-letters?limit=" + limit, ADMIN_TOKEN), 400).toString()).isEqualTo(
                    "{\"type\":\"about:blank\",\"title\":\"Bad Request\",\"status\":400,\"error\":\"bad_request\","
                            + "\"detail\":\"limit must be a whole number from 1 to 500\"}");
        }
        assertThat(problem(get("/admin/dead-letters?before=abc", ADMIN_TOKEN), 400).get("detail").asText())
                .isEqualTo("before must be a whole number from 1 up");
    }

    @Test
    void oneLetterByItsIdAndNoneForAnUnknownId() throws Exception {
        startCamel();
        long letter = deadLetter(part(conversation("idle"), "answer", "Abrimos às 9h.", "dead", 0, 1));

        HttpResponse<String> one = get("/admin/dead-letters/" + letter, ADMIN_TOKEN);
        assertThat(one.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(one.body());
        assertThat(body.get("id").asLong()).isEqualTo(letter);
        assertThat(body.get("textLength").asInt()).isEqualTo("Abrimos às 9h.".length());
        assertThat(one.body()).doesNotContain("Abrimos");

        for (String unknown : List.of(String.valueOf(letter + 1), "abc", "-1")) {
            assertThat(problem(get("/admin/dead-letters/" + unknown, ADMIN_TOKEN), 404).toString())
                    .isEqualTo("{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,\"error\":\"not_found\"}");
        }
    }

    @Test
    void aReplayIsHandedToDeliveryOnceAndRefusedWhenItCannotBeDone() throws Exception {
        advise("admin-replay-dead-letter", a -> a.weaveById("hand-replay-to-delivery").replace().to("mock:deliveries"));
        startCamel();
        MockEndpoint deliveries = getMockEndpoint("mock:deliveries");
        long conversation = conversation("idle");
        OutboundMessage part = part(conversation, "answer", "Abrimos às 9h.", "dead", 0, 1);
        long letter = deadLetter(part);

        HttpResponse<String> replaying = post("/admin/dead-letters/" + letter + "/replay", ADMIN_TOKEN);

        assertThat(replaying.statusCode()).isEqualTo(202);
        assertThat(replaying.body()).isEqualTo("{\"status\":\"replaying\"}");
        assertThat(replaying.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(deliveries.getReceivedExchanges()).singleElement().satisfies(e -> {
            assertThat(e.getMessage().getBody()).isEqualTo(List.of(part));
            // The admin token and the HTTP request's headers never travel with the delivery.
            assertThat(e.getMessage().getHeaders()).doesNotContainKey("Authorization").doesNotContainKey("CamelHttpPath");
        });
        assertThat(value("select status from messages where id = ?", part.id())).isEqualTo("ready");
        assertThat(value("select replay_count from dead_letters where id = ?", letter)).isEqualTo("1");
        assertThat(value("select replayed_at is not null from dead_letters where id = ?", letter)).isEqualTo("t");
        assertThat(conversationState(conversation)).isEqualTo("replying");

        assertThat(problem(post("/admin/dead-letters/" + letter + "/replay", ADMIN_TOKEN), 409).toString()).isEqualTo(
                "{\"type\":\"about:blank\",\"title\":\"Conflict\",\"status\":409,\"error\":\"conflict\",\"reason\":\"already_replayed\"}");
        // An answer whose conversation is at the LLM or delivering, and a part fixed by hand, cannot be replayed.
        long busy = deadLetter(part(conversation(INSTANCE, "5511900000001@s.whatsapp.net", "answering"), "answer",
                "Outra resposta.", "dead", 0, 1));
        long fixed = deadLetter(part(conversation(INSTANCE, "5511900000002@s.whatsapp.net", "idle"), "answer",
                "Já enviada à mão.", "sent", 0, 1));
        for (var refused : Map.of(busy, "conversation_busy", fixed, "not_dead").entrySet()) {
            assertThat(problem(post("/admin/dead-letters/" + refused.getKey() + "/replay", ADMIN_TOKEN), 409)
                    .get("reason").asText()).isEqualTo(refused.getValue());
        }
        problem(post("/admin/dead-letters/" + (fixed + 1) + "/replay", ADMIN_TOKEN), 404);
        assertThat(deliveries.getReceivedCounter()).isEqualTo(1);
        assertThat(column("select replayed_at is not null from dead_letters where id <> ? order by id", letter))
                .containsOnly("f");
    }

    @Test
    void aStoreOutageIs503WithRetryAfterAndAnythingUnexpectedA500() throws Exception {
        advise("admin-list-dead-letters", a -> a.weaveById("load-open-dead-letters").replace()
                .throwException(new StoreUnavailableException(new SQLException("down: connection to 10.0.0.5 refused"))));
        advise("admin-get-dead-letter", a -> a.weaveById("load-dead-letter").replace()
                .throwException(new IllegalStateException("boom in io.atende.admin.DeadLetterStore")));
        startCamel();

        HttpResponse<String> unavailable = get("/admin/dead-letters", ADMIN_TOKEN);
        assertThat(problem(unavailable, 503).toString()).isEqualTo("{\"type\":\"about:blank\",\"title\":\"Service Unavailable\","
                + "\"status\":503,\"error\":\"unavailable\",\"detail\":\"storage unavailable, retry later\"}");
        assertThat(unavailable.headers().firstValue("Retry-After")).hasValue("30");
        assertThat(unavailable.headers().firstValue("WWW-Authenticate")).isEmpty();

        HttpResponse<String> failed = get("/admin/dead-letters/1", ADMIN_TOKEN);
        assertThat(problem(failed, 500).toString()).isEqualTo(
                "{\"type\":\"about:blank\",\"title\":\"Internal Server Error\",\"status\":500,\"error\":\"internal_error\"}");
        assertThat(failed.headers().firstValue("Retry-After")).isEmpty();
    }

    // ---------------------------------------------------------------- helpers

    /** An open dead letter for the part, as DeliveryStore.dead leaves it after three 500s. */
    long deadLetter(OutboundMessage part) {
        return tx().inTransaction(c -> Sql.oneLong(c, """
                insert into dead_letters (message_id, instance, contact_jid, kind, reason, last_http_status, attempts)
                values (?, ?, ?, ?, 'Evolution API answered HTTP 500: Internal Server Error', 500, 3) returning id""",
                part.id(), part.instance(), part.contactJid(), part.kind()));
    }

    HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).GET(), token);
    }

    HttpResponse<String> post(String path, String token) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).POST(HttpRequest.BodyPublishers.noBody()), token);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request, String token)
            throws IOException, InterruptedException {
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return CLIENT.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The problem+json body of an error answer with this status; never a stack trace or an exception's name. */
    static JsonNode problem(HttpResponse<String> response, int status) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("io.atende")
                .doesNotContain(ADMIN_TOKEN);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("status").asInt()).isEqualTo(status);
        return body;
    }

    static List<Long> ids(HttpResponse<String> list) throws IOException {
        assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
        return JSON.readTree(list.body()).findValues("id").stream().map(JsonNode::asLong).toList();
    }
}

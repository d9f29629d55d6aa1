package io.atende.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import static io.atende.e2e.PainelStand.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Painel's session API over the real gateway and real sockets: no session, the cookie's flags, the CSRF check, an
 * operator kept to its own number, the security headers, the "testar" box, the sign-in limit. The browser's view of
 * the same is PainelBrowserE2ETest.
 */
class PainelApiE2ETest {

    @TempDir
    static Path dataDir;

    static PainelStand stand;
    static long lojaConversation;
    static long outraConversation;

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A signed-in page: its cookie and CSRF token. */
    record Page(String cookie, String csrf, JsonNode me) {
    }

    @BeforeAll
    static void start() {
        // trust-proxy: each test that counts failed sign-ins comes from its own X-Forwarded-For address
        stand = new PainelStand(dataDir, "atende.painel.trust-proxy", "true");
        stand.conversation("loja", PainelStand.LOJA_PHONE, "oi, vocês abrem sábado?");
        stand.conversation("outra", PainelStand.OUTRA_PHONE, "quero um orçamento");
        lojaConversation = stand.conversationId("loja", PainelStand.LOJA_PHONE);
        outraConversation = stand.conversationId("outra", PainelStand.OUTRA_PHONE);
    }

    @AfterAll
    static void stop() {
        if (stand != null) {
            stand.close();
        }
    }

    @Test
    void thePageIsServedWithAStrictCspAndNoApiAnswersWithoutASession() {
        HttpResponse<String> page = send("GET", "/painel", null, null, null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(csp).contains("default-src 'self'").contains("script-src 'self'").contains("object-src 'none'")
                .contains("frame-ancestors 'none'").doesNotContain("unsafe-inline");
        assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(page.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(page.body()).contains("lang=\"pt-BR\"");
        String etag = page.headers().firstValue("ETag").orElseThrow();
        assertThat(send("GET", "/painel", null, null, null, "If-None-Match", etag).statusCode()).isEqualTo(304);
        assertThat(send("GET", "/painel/painel.js", null, null, null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/painel/secret.txt", null, null, null).statusCode()).isEqualTo(404);

        for (String path : new String[] {"/painel/api/me", "/painel/api/conversations", "/painel/api/instances",
                "/painel/api/health", "/painel/api/conversations/" + lojaConversation}) {
            assertThat(send("GET", path, null, null, null).statusCode()).as(path).isEqualTo(401);
        }
        assertThat(send("GET", "/painel/api/me", "atende_painel=forged", null, null).statusCode()).isEqualTo(401);
    }

    @Test
    void signInSetsAStrictHttpOnlyCookieAndSignOutEndsTheSession() {
        HttpResponse<String> form = send("POST", "/painel/api/login", null, null, "token=" + PainelStand.ADMIN,
                "Content-Type", "application/x-www-form-urlencoded");
        assertThat(form.statusCode()).as("a cross-site form cannot sign anyone in").isEqualTo(415);
        assertThat(send("POST", "/painel/api/login?token=" + PainelStand.ADMIN, null, null, "{}").statusCode())
                .isEqualTo(400);

        HttpResponse<String> login = send("POST", "/painel/api/login", null, null,
                "{\"token\":\"" + PainelStand.ADMIN + "\"}");
        assertThat(login.statusCode()).isEqualTo(200);
        String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).startsWith("atende_painel=").contains("HttpOnly").contains("SameSite=Strict")
                .contains("Path=/painel").doesNotContain("Secure");
        assertThat(login.body()).doesNotContain(PainelStand.ADMIN).contains("\"role\":\"admin\"");
        assertThat(login.headers().firstValue("Cache-Control")).hasValue("no-store");
        Page admin = page(login);
        assertThat(send("GET", "/painel/api/me", admin.cookie(), null, null).statusCode()).isEqualTo(200);

        HttpResponse<String> overTls = send("POST", "/painel/api/login", null, null,
                "{\"token\":\"" + PainelStand.ADMIN + "\"}", "X-Forwarded-Proto", "https");
        assertThat(overTls.headers().firstValue("Set-Cookie").orElseThrow()).contains("; Secure");

        assertThat(send("POST", "/painel/api/logout", admin.cookie(), null, null).statusCode())
                .as("no CSRF token").isEqualTo(403);
        HttpResponse<String> out = send("POST", "/painel/api/logout", admin.cookie(), admin.csrf(), null);
        assertThat(out.statusCode()).isEqualTo(204);
        assertThat(out.headers().firstValue("Set-Cookie").orElseThrow()).contains("Max-Age=0");
        assertThat(send("GET", "/painel/api/me", admin.cookie(), null, null).statusCode()).isEqualTo(401);
    }

    @Test
    void anOperatorSeesOnlyItsOwnNumber() {
        Page loja = login(PainelStand.LOJA_TOKEN);
        assertThat(loja.me().get("role").asText()).isEqualTo("operator");
        assertThat(loja.me().get("instance").asText()).isEqualTo("loja");

        JsonNode list = json(get("/painel/api/conversations?filter=todas", loja).body());
        assertThat(list.get("items").findValuesAsText("instance")).containsOnly("loja").isNotEmpty();
        assertThat(list.toString()).doesNotContain(PainelStand.LOJA_PHONE).doesNotContain("outra");
        assertThat(get("/painel/api/conversations?instance=outra", loja).statusCode()).isEqualTo(404);
        assertThat(get("/painel/api/conversations/" + outraConversation, loja).statusCode()).isEqualTo(404);
        assertThat(get("/painel/api/conversations/" + lojaConversation, loja).statusCode()).isEqualTo(200);
        assertThat(get("/painel/api/conversations/" + lojaConversation + "?unmask=true", loja).body())
                .as("only the admin unmasks").doesNotContain(PainelStand.LOJA_PHONE);
        assertThat(json(get("/painel/api/instances", loja).body()).findValuesAsText("instance")).containsExactly("loja");
        assertThat(get("/painel/api/instances/outra", loja).statusCode()).isEqualTo(404);
        assertThat(post("/painel/api/conversations/" + outraConversation + "/pause", loja, null).statusCode())
                .isEqualTo(404);
        assertThat(send("PATCH", "/painel/api/instances/outra", loja.cookie(), loja.csrf(), "{\"facts\":\"x\"}")
                .statusCode()).isEqualTo(404);
        JsonNode health = json(get("/painel/api/health", loja).body());
        assertThat(health.get("backlog").findValuesAsText("instance")).containsExactly("loja");

        Page admin = login(PainelStand.ADMIN);
        assertThat(json(get("/painel/api/conversations", admin).body()).get("items").findValuesAsText("instance"))
                .contains("loja", "outra");
        assertThat(get("/painel/api/conversations/" + lojaConversation + "?unmask=true", admin).body())
                .contains(PainelStand.LOJA_PHONE);
    }

    @Test
    void stateChangesNeedTheSessionsCsrfToken() {
        Page loja = login(PainelStand.LOJA_TOKEN);
        String pause = "/painel/api/conversations/" + lojaConversation + "/pause";
        HttpResponse<String> none = send("POST", pause, loja.cookie(), null, "{\"minutes\":5}");
        assertThat(none.statusCode()).isEqualTo(403);
        assertThat(json(none.body()).get("reason").asText()).isEqualTo("csrf");
        assertThat(send("POST", pause, loja.cookie(), "wrong", "{\"minutes\":5}").statusCode()).isEqualTo(403);
        Page other = login(PainelStand.LOJA_TOKEN);
        assertThat(send("POST", pause, loja.cookie(), other.csrf(), "{\"minutes\":5}").statusCode())
                .as("another session's token").isEqualTo(403);
        assertThat(send("GET", "/painel/api/me?X-CSRF-Token=" + loja.csrf(), loja.cookie(), null, null).statusCode())
                .as("a header passed as a query parameter").isEqualTo(400);
        assertThat(get("/painel/api/conversations/" + lojaConversation, loja).body()).doesNotContain("\"state\":\"human\"");

        HttpResponse<String> paused = post(pause, loja, "{\"minutes\":5}");
        assertThat(paused.statusCode()).isEqualTo(200);
        assertThat(paused.body()).contains("\"state\":\"human\"").contains("\"reason\":\"admin\"");
        HttpResponse<String> resumed = post("/painel/api/conversations/" + lojaConversation + "/resume", loja, null);
        assertThat(resumed.statusCode()).isEqualTo(200);
        assertThat(resumed.body()).doesNotContain("\"state\":\"human\"");
    }

    @Test
    void aProfileEditIsValidatedAsTheAdminApiDoesAndTheOperatorKeepsToTheOwnersFields() {
        Page loja = login(PainelStand.LOJA_TOKEN);
        HttpResponse<String> got = get("/painel/api/instances/loja", loja);
        assertThat(got.body()).contains("\"operatorTokenSet\":true").doesNotContain(PainelStand.LOJA_TOKEN)
                .doesNotContain("operatorTokenHash");
        String etag = got.headers().firstValue("ETag").orElseThrow();

        HttpResponse<String> bad = send("PATCH", "/painel/api/instances/loja", loja.cookie(), loja.csrf(),
                "{\"hours\":{\"weekly\":{\"mon\":[\"9h às 18h\"]}}}", "If-Match", etag);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad.body()).get("field").asText()).startsWith("hours.weekly.mon");
        HttpResponse<String> notHere = send("PATCH", "/painel/api/instances/loja", loja.cookie(), loja.csrf(),
                "{\"evolution\":{\"baseUrl\":\"http://elsewhere\"}}", "If-Match", etag);
        assertThat(json(notHere.body()).get("field").asText()).isEqualTo("evolution");

        HttpResponse<String> saved = send("PATCH", "/painel/api/instances/loja", loja.cookie(), loja.csrf(),
                "{\"facts\":\"Abrimos de segunda a sábado, das 9h às 18h.\"}", "If-Match", etag);
        assertThat(saved.statusCode()).as(saved.body()).isEqualTo(200);
        assertThat(saved.headers().firstValue("ETag").orElseThrow()).isNotEqualTo(etag);
        assertThat(send("PATCH", "/painel/api/instances/loja", loja.cookie(), loja.csrf(), "{\"facts\":\"y\"}",
                "If-Match", etag).statusCode()).as("stale If-Match").isEqualTo(412);
        JsonNode history = json(stand.admin("GET", "/admin/instances/loja/history", null).body());
        assertThat(history.get(0).get("changedBy").asText()).isEqualTo("painel:operator");
    }

    @Test
    void theTestBoxAsksTheLlmWithTheEditedProfileAndSendsNothing() {
        Page loja = login(PainelStand.LOJA_TOKEN);
        int sent = stand.evolution.sent().size();
        int calls = stand.ollama.calls().size();
        HttpResponse<String> answer = post("/painel/api/instances/loja/test", loja,
                "{\"profile\":{\"systemPrompt\":\"Você é a Dona Rosa, da padaria.\"},\"question\":\"Tem pão de queijo?\"}");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(json(answer.body()).get("answer").asText()).isEqualTo("Resposta: Tem pão de queijo?");
        assertThat(stand.ollama.calls()).hasSize(calls + 1);
        assertThat(stand.ollama.calls().get(calls).messages()).anySatisfy(m ->
                assertThat(m.content()).contains("Você é a Dona Rosa"));
        assertThat(stand.evolution.sent()).hasSize(sent);
        assertThat(json(get("/painel/api/instances/loja", loja).body()).path("systemPrompt").asText())
                .as("nothing saved").doesNotContain("Dona Rosa");

        HttpResponse<String> invalid = post("/painel/api/instances/loja/test", loja,
                "{\"profile\":{\"hours\":{\"timeZone\":\"Marte/Base\"}},\"question\":\"oi\"}");
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(json(invalid.body()).get("field").asText()).startsWith("hours");
        assertThat(json(post("/painel/api/instances/loja/test", loja, "{\"question\":\"\"}").body()).get("field").asText())
                .isEqualTo("question");

        stand.ollama.failNext(1, 500);
        HttpResponse<String> down = post("/painel/api/instances/loja/test", loja, "{\"question\":\"oi\"}");
        assertThat(down.statusCode()).as("the LLM failed: a 503 to retry, never a stack trace").isEqualTo(503);
        assertThat(down.body()).contains("\"error\":\"unavailable\"").doesNotContain("Exception");
    }

    @Test
    void aNewOperatorTokenEndsTheOldSessions() {
        String token = "operador-temporario-" + UUID.randomUUID();
        stand.admin("PUT", "/admin/instances/temporaria", "{\"operatorToken\":\"" + token + "\"}");
        Page page = login(token);
        assertThat(get("/painel/api/instances/temporaria", page).statusCode()).isEqualTo(200);
        stand.admin("PATCH", "/admin/instances/temporaria", "{\"operatorToken\":\"" + token + "-novo\"}");
        assertThat(get("/painel/api/instances/temporaria", page).statusCode()).isEqualTo(401);
        assertThat(stand.admin("GET", "/admin/instances/temporaria", null).body()).doesNotContain(token);
        assertThat(stand.admin("PUT", "/admin/instances/copia", "{\"facts\":\"x\"}").statusCode()).isEqualTo(201);
        HttpResponse<String> reused = io.atende.support.Http.send("PATCH", stand.url("/admin/instances/copia"),
                PainelStand.ADMIN, "{\"operatorToken\":\"" + token + "-novo\"}");
        assertThat(reused.statusCode()).as("one token, one number").isEqualTo(400);
    }

    @Test
    void deadLettersShowOnTheHealthPageAndTheirNumbersOperatorReplaysThem() {
        String unreachable = "5511900000009";
        stand.evolution.notOnWhatsApp(unreachable);
        stand.customer("loja", unreachable, "alguém aí?");
        Page admin = login(PainelStand.ADMIN);
        org.awaitility.Awaitility.await().atMost(PainelStand.WAIT).until(() ->
                json(get("/painel/api/health", admin).body()).get("deadLetters").size() > 0);
        JsonNode health = json(get("/painel/api/health", admin).body());
        assertThat(health.toString()).doesNotContain(unreachable).doesNotContain("alguém aí?");
        assertThat(health.get("llm").get("slots").asInt()).isPositive();
        assertThat(health.get("services").findValuesAsText("name")).containsExactly("Evolution", "Ollama");
        assertThat(health.get("services").findValuesAsText("reachable")).containsOnly("true");
        long id = health.get("deadLetters").get(0).get("id").asLong();

        Page outra = login(PainelStand.OUTRA_TOKEN);
        assertThat(json(get("/painel/api/health", outra).body()).get("deadLetters")).isEmpty();
        assertThat(post("/painel/api/dead-letters/" + id + "/replay", outra, null).statusCode())
                .as("another number's letter").isEqualTo(404);

        stand.evolution.everyoneOnWhatsApp();
        Page loja = login(PainelStand.LOJA_TOKEN);
        assertThat(post("/painel/api/dead-letters/" + id + "/replay", loja, null).statusCode()).isEqualTo(202);
        org.awaitility.Awaitility.await().atMost(PainelStand.WAIT).until(() -> !stand.sentTo(unreachable).isEmpty());
        assertThat(post("/painel/api/dead-letters/" + id + "/replay", loja, null).statusCode())
                .as("replayed already").isEqualTo(409);
    }

    @Test
    void aSessionEndsAfterItsIdleTimeButNotWhileInUse() {
        Page page = login(PainelStand.LOJA_TOKEN);
        io.atende.support.GatewayClock clock = stand.app.context().getRegistry()
                .lookupByNameAndType("gatewayClock", io.atende.support.GatewayClock.class);
        clock.advance(Duration.ofMinutes(20));
        assertThat(get("/painel/api/me", page).statusCode()).as("used within 30 minutes").isEqualTo(200);
        clock.advance(Duration.ofMinutes(20));
        assertThat(get("/painel/api/me", page).statusCode()).as("20 minutes since its last use").isEqualTo(200);
        clock.advance(Duration.ofMinutes(31));
        assertThat(get("/painel/api/me", page).statusCode()).as("idle for 31 minutes").isEqualTo(401);
    }

    @Test
    void fiveFailedSignInsAMinuteFromOneAddressAreEnough() {
        String address = "203.0.113." + (10 + (int) (Math.random() * 200));
        for (int i = 0; i < 5; i++) {
            assertThat(send("POST", "/painel/api/login", null, null, "{\"token\":\"wrong-" + i + "\"}",
                    "X-Forwarded-For", address).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> limited = send("POST", "/painel/api/login", null, null,
                "{\"token\":\"" + PainelStand.ADMIN + "\"}", "X-Forwarded-For", address);
        assertThat(limited.statusCode()).as("even the right token waits").isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).hasValueSatisfying(s ->
                assertThat(Integer.parseInt(s)).isBetween(1, 60));
        assertThat(send("POST", "/painel/api/login", null, null, "{\"token\":\"" + PainelStand.ADMIN + "\"}",
                "X-Forwarded-For", "198.51.100.7").statusCode()).as("another address").isEqualTo(200);
    }

    // ------------------------------------------------------------------ support

    static Page login(String token) {
        HttpResponse<String> r = send("POST", "/painel/api/login", null, null, "{\"token\":\"" + token + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return page(r);
    }

    static Page page(HttpResponse<String> login) {
        String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        JsonNode me = json(login.body());
        return new Page(setCookie.substring(0, setCookie.indexOf(';')), me.get("csrf").asText(), me);
    }

    static HttpResponse<String> get(String path, Page page) {
        return send("GET", path, page.cookie(), null, null);
    }

    static HttpResponse<String> post(String path, Page page, String body) {
        return send("POST", path, page.cookie(), page.csrf(), body);
    }

    static HttpResponse<String> send(String method, String path, String cookie, String csrf, String body,
                                     String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(stand.url(path))).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        if (csrf != null) {
            b.header("X-CSRF-Token", csrf);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.setHeader(headers[i], headers[i + 1]);
        }
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

package io.atende.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OllamaFixture;
import io.atende.support.AtendeRunner;
import io.atende.support.Http;
import io.atende.support.Payloads;
import io.atende.support.TestPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real gateway over real sockets, embedded PostgreSQL, and the Evolution and Ollama stand-ins, with two numbers
 * ("loja" and "outra") that have conversations, and an operator token for each: what the Painel's tests drive.
 */
final class PainelStand implements AutoCloseable {

    static final String ADMIN = "admin-token-" + UUID.randomUUID();
    static final String WEBHOOK = "webhook-token-" + UUID.randomUUID();
    static final String LOJA_TOKEN = "operador-da-loja-" + UUID.randomUUID();
    static final String OUTRA_TOKEN = "operador-da-outra-" + UUID.randomUUID();
    static final String LOJA_PHONE = "5521987654321";
    static final String OUTRA_PHONE = "5511912345678";
    static final Duration WAIT = Duration.ofSeconds(20);
    static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicLong IDS = new AtomicLong();

    final OllamaFixture ollama = OllamaFixture.start();
    final EvolutionFixture evolution = EvolutionFixture.start("k");
    final String dbUrl = TestPostgres.newDatabase();
    final AtendeRunner app;

    /** @param settings more settings: name, value, name, value... */
    PainelStand(Path dataDir, String... settings) {
        AtendeRunner runner = new AtendeRunner();
        for (int i = 0; i + 1 < settings.length; i += 2) {
            runner.set(settings[i], settings[i + 1]);
        }
        app = runner.database(dbUrl, dataDir)
                .set("atende.webhook.token", WEBHOOK)
                .set("atende.admin.token", ADMIN)
                .set("atende.ollama.base-url", ollama.baseUrl())
                .set("atende.evolution.base-url", evolution.baseUrl())
                .set("atende.evolution.api-key", "k")
                .start();
        admin("PUT", "/admin/instances/loja", "{\"displayName\":\"Loja Centro\",\"operatorToken\":\"" + LOJA_TOKEN + "\"}");
        admin("PUT", "/admin/instances/outra", "{\"displayName\":\"Outra Loja\",\"operatorToken\":\"" + OUTRA_TOKEN + "\"}");
    }

    String url(String path) {
        return app.baseUrl() + path;
    }

    /** A customer of the number writes; the webhook's answer (accepted, held, ...). */
    String customer(String instance, String phone, String text) {
        String jid = phone + "@s.whatsapp.net";
        HttpResponse<String> ack = Http.post(url("/webhooks/evolution"),
                Payloads.fixture("01-text-conversation.json").instance(instance)
                        .id("3APAINEL" + String.format("%012d", IDS.incrementAndGet())).remoteJid(jid).remoteJidAlt(jid)
                        .text(text).json(),
                "Authorization", "Bearer " + WEBHOOK);
        assertThat(ack.statusCode()).as(ack.body()).isEqualTo(200);
        return ack.body();
    }

    /** The customer writes and the bot's answer reaches the Evolution stand-in. */
    void conversation(String instance, String phone, String text) {
        long before = sentTo(phone).size();
        customer(instance, phone, text);
        await().atMost(WAIT).until(() -> sentTo(phone).size() > before);
    }

    List<EvolutionFixture.SentText> sentTo(String phone) {
        return evolution.sent().stream().filter(s -> s.number().equals(phone)).toList();
    }

    HttpResponse<String> admin(String method, String path, String body) {
        HttpResponse<String> r = Http.send(method, url(path), ADMIN, body);
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isBetween(200, 299);
        return r;
    }

    /** The conversation's id, as the Painel addresses it. */
    long conversationId(String instance, String phone) {
        try (Connection c = DriverManager.getConnection(dbUrl, "postgres", "");
             PreparedStatement ps = c.prepareStatement("""
                     select c.id from conversations c join instances i on i.id = c.instance_id
                      where i.name = ? and c.contact_jid = ?""")) {
            ps.setString(1, instance);
            ps.setString(2, phone + "@s.whatsapp.net");
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("no conversation of " + instance);
                }
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        app.close();
        ollama.close();
        evolution.close();
    }
}

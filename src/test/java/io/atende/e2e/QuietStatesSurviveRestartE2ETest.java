package io.atende.e2e;

import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OllamaFixture;
import io.atende.support.AtendeRunner;
import io.atende.support.GatewayClock;
import io.atende.support.Http;
import io.atende.support.Payloads;
import io.atende.support.Profiles;
import io.atende.support.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 13: every quiet state lives in PostgreSQL. A gateway takes a conversation to human (the operator typed), has
 * a contact opt out and gives a closed-hours notice; a new gateway on the same database, at the same moment of its
 * clock, keeps all three: the human's conversation and the opted-out contact are still held, and the closed period's
 * notice is not given twice.
 */
class QuietStatesSurviveRestartE2ETest {

    static final String TOKEN = "global-webhook-token-" + UUID.randomUUID();
    static final String KEY = "evo-key-restart";
    static final Instant SATURDAY_NOON = Instant.parse("2026-12-12T15:00:00Z");

    @TempDir
    Path dataDir;

    @Test
    void humanOptedOutAndTheClosedPeriodsNoticeSurviveARestart() throws Exception {
        String shop = "reinicio-" + UUID.randomUUID().toString().substring(0, 8);
        String human = "5521900000001@s.whatsapp.net";
        String optedOut = "5521900000002@s.whatsapp.net";
        String closed = "5521900000003@s.whatsapp.net";
        try (OllamaFixture ollama = OllamaFixture.start(); EvolutionFixture evolution = EvolutionFixture.start(KEY)) {
            String db = TestPostgres.newDatabase();
            Profiles.write(db, shop, """
                    {"hours":{"weekly":{"mon":["09:00-18:00"]},"outOfHoursPolicy":"notice-only"},
                     "texts":{"outOfHours":"Fechado."}}""");

            try (AtendeRunner first = runner(db, ollama, evolution).start()) {
                clockOf(first).setTo(SATURDAY_NOON);
                assertThat(webhook(first, operator(shop, human, "Oi, aqui é a Ana"))).contains("from_me");
                assertThat(webhook(first, customer(shop, optedOut, "parar"))).contains("opt_out");
                assertThat(webhook(first, customer(shop, closed, "tem pão?"))).contains("out_of_hours");
                await().atMost(Duration.ofSeconds(20)).until(() -> evolution.sent().size() >= 2);
            }
            int sentBefore = evolution.sent().size();

            try (AtendeRunner second = runner(db, ollama, evolution).start()) {
                clockOf(second).setTo(SATURDAY_NOON.plus(Duration.ofMinutes(10)));
                assertThat(webhook(second, customer(shop, human, "ainda aí?"))).contains("\"held\"").contains("\"human\"");
                assertThat(webhook(second, customer(shop, optedOut, "oi"))).contains("\"held\"").contains("opted_out");
                assertThat(webhook(second, customer(shop, closed, "e bolo?"))).contains("\"held\"").contains("out_of_hours");
                // every notice is stored with the message that owes it, in the webhook's transaction: none was owed
                assertThat(count(db, "select count(*) from messages where direction = 'out' and kind = 'out_of_hours'"))
                        .isEqualTo(1);
                assertThat(count(db, "select count(*) from messages where direction = 'out'")).isEqualTo(sentBefore);
                assertThat(ollama.calls()).isEmpty();
            }
        }
    }

    AtendeRunner runner(String db, OllamaFixture ollama, EvolutionFixture evolution) {
        return new AtendeRunner().database(db, dataDir)
                .set("atende.webhook.token", TOKEN)
                .set("atende.ollama.base-url", ollama.baseUrl())
                .set("atende.evolution.base-url", evolution.baseUrl())
                .set("atende.evolution.api-key", KEY);
    }

    static GatewayClock clockOf(AtendeRunner app) {
        return app.context().getRegistry().lookupByNameAndType("gatewayClock", GatewayClock.class);
    }

    static String webhook(AtendeRunner app, Payloads p) {
        var response = Http.post(app.baseUrl() + "/webhooks/evolution", p.json(), "Authorization", "Bearer " + TOKEN);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    static Payloads customer(String instance, String jid, String text) {
        return Payloads.fixture("01-text-conversation.json").instance(instance).id(newId()).text(text)
                .remoteJid(jid).remoteJidAlt(null);
    }

    static Payloads operator(String instance, String jid, String text) {
        return Payloads.fixture("06-fromme-from-phone.json").instance(instance).id(newId()).text(text).remoteJid(jid);
    }

    static String newId() {
        return "3A" + UUID.randomUUID().toString().replace("-", "").substring(0, 18).toUpperCase();
    }

    static long count(String db, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(db, "postgres", "postgres");
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}

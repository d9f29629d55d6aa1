package io.atende.e2e;

import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OllamaFixture;
import io.atende.support.AtendeRunner;
import io.atende.support.Http;
import io.atende.support.Payloads;
import io.atende.support.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Restart after a crash in the most dangerous window: Evolution accepted a reply part (and stored it), but the gateway
 * died before it committed {@code sent}. The database is put back into exactly that state (part {@code sending},
 * its attempt {@code pending}, conversation {@code replying}) between two runs of the real gateway; the restart must
 * ask Evolution (findMessages) and never send a second copy of what Evolution already sent.
 */
class SendReconciliationE2ETest {

    static final String PHONE = "5521987654321";
    static final Duration WAIT = Duration.ofSeconds(20);

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
        dbUrl = TestPostgres.newDatabase();
    }

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
        ollama.close();
        evolution.close();
    }

    private void startApp(String... overrides) {
        app = new AtendeRunner()
                .database(dbUrl, dataDir)
                .set("atende.webhook.token", "t")
                .set("atende.admin.token", "a")
                .set("atende.send.reconcile-after-seconds", "0")
                .set("atende.send.max-attempts", "50")
                .set("atende.ollama.base-url", ollama.baseUrl())
                .set("atende.evolution.base-url", evolution.baseUrl())
                .set("atende.evolution.api-key", "k");
        for (int i = 0; i + 1 < overrides.length; i += 2) {
            app.set(overrides[i], overrides[i + 1]);
        }
        app.start();
    }

    private void restart(String... overrides) {
        app.close();
        app = null;
        startApp(overrides);
    }

    /** One answered message, then the database rewound to "killed after Evolution's 201, before 'sent'". */
    private String answeredThenRewoundToSending() throws Exception {
        startApp();
        post("3ARECON00000000000001", "Qual o horário?");
        await().atMost(WAIT).until(() -> "sent".equals(query("select status from messages where direction = 'out'")));
        String keyId = query("select wa_message_id from messages where direction = 'out'");
        app.close();
        app = null;
        execute("update messages set status = 'sending', wa_message_id = null where direction = 'out'");
        execute("update delivery_attempts set finished_at = null, http_status = null, outcome = 'pending'");
        execute("update conversations set state = 'replying'");
        return keyId;
    }

    @Test
    void aPartEvolutionAlreadySentIsMarkedSentWithItsIdAndNotSentAgain() throws Exception {
        String keyId = answeredThenRewoundToSending();
        assertThat(evolution.sent()).hasSize(1);

        startApp();
        await().atMost(WAIT).until(() -> "sent".equals(query("select status from messages where direction = 'out'")));
        assertThat(query("select wa_message_id from messages where direction = 'out'")).isEqualTo(keyId);
        assertThat(evolution.sent()).hasSize(1);
        assertThat(evolution.attempts()).hasSize(1);
        assertThat(column("select outcome from delivery_attempts order by id")).containsExactly("reconciled");
        assertThat(evolution.findMessagesCalls()).singleElement().satisfies(body -> assertThat(body)
                .contains("\"remoteJid\":\"" + PHONE + "@s.whatsapp.net\"").contains("\"fromMe\":true")
                .contains("\"messageTimestamp\":{\"gte\":"));
        // The conversation is free again: the next message is answered.
        await().atMost(WAIT).until(() -> "idle".equals(query("select state from conversations")));
        post("3ARECON00000000000002", "E no sábado?");
        evolution.awaitSent(2, WAIT);
        assertThat(evolution.sent().get(1).text()).isEqualTo("Resposta: E no sábado?");
        assertThat(evolution.findMessagesCalls()).hasSize(1); // a normal send asks nothing
    }

    @Test
    void aPartEvolutionHasNoTraceOfIsSentAgain() throws Exception {
        evolution.saveNewMessages(false); // Evolution keeps nothing: for it, the first copy never existed
        answeredThenRewoundToSending();
        evolution.saveNewMessages(true);

        startApp();
        evolution.awaitSent(2, WAIT);
        await().atMost(WAIT).until(() -> "sent".equals(query("select status from messages where direction = 'out'")));
        assertThat(evolution.sent()).extracting(EvolutionFixture.SentText::text)
                .containsExactly("Resposta: Qual o horário?", "Resposta: Qual o horário?");
        assertThat(column("select outcome from delivery_attempts order by id")).containsExactly("lost", "accepted");
        assertThat(query("select wa_message_id from messages where direction = 'out'"))
                .isEqualTo(evolution.sent().get(1).keyId());
        assertThat(evolution.findMessagesCalls()).hasSize(1);
    }

    @Test
    void whileEvolutionCannotTellThePartIsHeldNotResent() throws Exception {
        String keyId = answeredThenRewoundToSending();
        evolution.findMessagesRespondAlways(500);

        startApp();
        await().atMost(WAIT).until(() -> evolution.findMessagesCalls().size() >= 3);
        assertThat(query("select status from messages where direction = 'out'")).isEqualTo("sending");
        assertThat(evolution.attempts()).hasSize(1); // no second sendText
        assertThat(query("select state from conversations")).isEqualTo("replying");

        evolution.findMessagesRespondAlways(0);
        await().atMost(WAIT).until(() -> "sent".equals(query("select status from messages where direction = 'out'")));
        assertThat(query("select wa_message_id from messages where direction = 'out'")).isEqualTo(keyId);
        assertThat(evolution.sent()).hasSize(1);
        assertThat(evolution.attempts()).hasSize(1);
    }

    @Test
    void withResendAFailingCheckSendsAgain() throws Exception {
        answeredThenRewoundToSending();
        evolution.findMessagesRespondAlways(500);

        startApp("atende.send.reconcile", "resend");
        evolution.awaitSent(2, WAIT);
        await().atMost(WAIT).until(() -> "sent".equals(query("select status from messages where direction = 'out'")));
        assertThat(evolution.sent()).hasSize(2); // the documented price of 'resend'
        assertThat(evolution.findMessagesCalls()).hasSize(1);
    }

    @Test
    void aRecoveredReplyWhoseNoticeComesFirstStillFreesTheConversation() throws Exception {
        // A busy notice (stored by the webhook) precedes the answer; both are rewound to 'ready', never tried.
        startApp("atende.busy-notice.seconds", "0", "atende.busy-notice.text", "Aguarde, você é o n.º {position}");
        post("3ARECON00000000000003", "Oi");
        evolution.awaitSent(2, WAIT);
        await().atMost(WAIT).until(() -> "idle".equals(query("select state from conversations")));
        app.close();
        app = null;
        execute("delete from delivery_attempts");
        execute("update messages set status = 'ready', wa_message_id = null where direction = 'out'");
        execute("update conversations set state = 'replying'");
        assertThat(column("select kind from messages where direction = 'out' order by id")).containsExactly("notice", "answer");

        startApp("atende.busy-notice.text", "");
        evolution.awaitSent(4, WAIT);
        await().atMost(WAIT).until(() -> "idle".equals(query("select state from conversations")));
        post("3ARECON00000000000004", "Tudo bem?");
        evolution.awaitSent(5, WAIT);
        assertThat(evolution.sent().get(4).text()).isEqualTo("Resposta: Tudo bem?");
    }

    // ---------------------------------------------------------------- helpers

    private void post(String id, String text) {
        var ack = Http.post(app.baseUrl() + "/webhooks/evolution",
                Payloads.fixture("01-text-conversation.json").instance("loja").id(id).text(text)
                        .remoteJid(PHONE + "@s.whatsapp.net").remoteJidAlt(PHONE + "@s.whatsapp.net").json(),
                "Authorization", "Bearer t");
        assertThat(ack.statusCode()).isEqualTo(200);
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(dbUrl, "postgres", "");
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.executeUpdate(sql);
        }
    }

    private String query(String sql) throws SQLException {
        List<String> rows = column(sql);
        return rows.isEmpty() ? null : rows.get(0);
    }

    private List<String> column(String sql) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }
}

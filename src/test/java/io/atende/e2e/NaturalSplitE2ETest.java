package io.atende.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OllamaFixture;
import io.atende.profile.InstanceProfiles;
import io.atende.support.AtendeRunner;
import io.atende.support.Http;
import io.atende.support.Payloads;
import io.atende.support.Profiles;
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
 * A long answer over real sockets: the model (the Ollama stand-in) writes about 1,400 characters of Markdown in six
 * paragraphs; the number's profile splits at 350 characters into at most 4 parts, 2 ms a character. The customer gets
 * the parts in order, each after the previous one, the second and later ones after Evolution's "digitando…"
 * ({@code delay}); and a crash while Evolution holds a part it already accepted still leaves every part sent once.
 */
class NaturalSplitE2ETest {

    static final String PHONE = "5521987654321";
    static final Duration WAIT = Duration.ofSeconds(20);
    static final int MS_PER_CHAR = 2;
    static final String SPLIT = "{\"split\":{\"maxChars\":350,\"maxParts\":4,\"msPerChar\":" + MS_PER_CHAR + "}}";

    static final String GREETING = "Olá, Maria! Obrigado por escrever para a Padaria Pão Quente. Vou explicar com calma"
            + " como funcionam as nossas encomendas de bolos para festas, para você escolher com tranquilidade.";
    static final String CAKES = "Os bolos são feitos sob encomenda, com pelo menos 48 horas de antecedência. Trabalhamos"
            + " com massa branca, de chocolate ou de cenoura, e os recheios mais pedidos são brigadeiro, doce de leite,"
            + " ninho com morango e frutas vermelhas. Todos podem levar cobertura de chantili ou de ganache.";
    static final String PRICES = "Os preços dependem do tamanho.";
    static final String ONE_KG = "O bolo de 1 kg serve cerca de 10 pessoas e custa R$ 89,90.";
    static final String TWO_KG = "O de 2 kg serve 20 pessoas e sai por R$ 169,90.";
    /** Bold across a sentence end: Markdown from the model, WhatsApp's bold on the wire. */
    static final String DEPOSIT_MARKDOWN = "**Atenção: para bolos acima de 3 kg, pedimos um sinal de 50%. O restante é"
            + " pago na retirada.**";
    static final String DEPOSIT = "*Atenção: para bolos acima de 3 kg, pedimos um sinal de 50%. O restante é pago na"
            + " retirada.*";
    static final String MENU = "O cardápio completo, com fotos de cada modelo, está em"
            + " https://padaria.exemplo.com.br/bolos/cardapio.v2.html para você ver com calma.";
    static final String CUSTOM = "Se preferir, o Sr. Silva, nosso confeiteiro, pode montar um modelo exclusivo para a"
            + " sua festa.";
    static final String HOURS = "Ele atende de terça a sábado, das 9h às 17h, e responde às mensagens sempre que"
            + " possível.";
    static final String SNACKS = "Também fazemos salgados para festas: coxinha, empada, quibe e risoles, vendidos por"
            + " cento. Os docinhos, como brigadeiro, beijinho e cajuzinho, saem a R$ 1,20 a unidade, com pedido mínimo"
            + " de 50 unidades de cada sabor.";
    static final String ORDER = "Para encomendar, é só me dizer a data da festa, o sabor da massa, o recheio e o"
            + " tamanho. Eu confirmo a disponibilidade e envio o resumo do pedido.";
    static final String BYE = "Qualquer dúvida, estou à disposição! 😊";

    /** What the model writes. */
    static final String ANSWER = String.join("\n\n", GREETING, CAKES,
            String.join(" ", PRICES, ONE_KG, TWO_KG, DEPOSIT_MARKDOWN, MENU, CUSTOM, HOURS), SNACKS, ORDER, BYE);

    /**
     * What the customer gets. The first two paragraphs do not fit in 350 together; the third does not fit anywhere,
     * so it is cut at sentence ends (never inside the bold, the address or "Sr. Silva"); the fourth part takes the
     * rest, longer than 350, since there are at most 4.
     */
    static final List<String> PARTS = List.of(
            GREETING,
            CAKES + "\n\n" + PRICES,
            String.join(" ", ONE_KG, TWO_KG, DEPOSIT, MENU),
            String.join(" ", CUSTOM, HOURS) + "\n\n" + SNACKS + "\n\n" + ORDER + "\n\n" + BYE);

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    OllamaFixture ollama;
    EvolutionFixture evolution;
    AtendeRunner app;
    String dbUrl;

    @BeforeEach
    void fixtures() {
        ollama = OllamaFixture.start().replyWith(call -> ANSWER);
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

    @Test
    void aLongAnswerArrivesAsOrderedPartsEachAfterItsTypingPause() throws Exception {
        // The expected cuts, by the rules.
        assertThat(ANSWER.length()).isBetween(1_300, 1_600);
        assertThat(GREETING.length() + 2 + CAKES.length()).isGreaterThan(350);
        assertThat(PARTS.get(1).length() + 1 + ONE_KG.length()).as("greedy").isGreaterThan(350);
        assertThat(PARTS.get(2).length() + 1 + CUSTOM.length()).as("greedy").isGreaterThan(350);
        assertThat(PARTS.subList(0, 3)).allSatisfy(p -> assertThat(p.length()).isLessThanOrEqualTo(350));
        assertThat(PARTS.get(3).length()).as("the rest joins the last part").isGreaterThan(350);

        startApp();
        post("3ASPLIT00000000000001", "Como funcionam as encomendas de bolo?");

        List<EvolutionFixture.SentText> sent = evolution.awaitSent(PARTS.size(), WAIT);
        await().atMost(WAIT).until(() -> "idle".equals(query("select state from conversations")));

        assertThat(sent).extracting(EvolutionFixture.SentText::text).containsExactlyElementsOf(PARTS);
        assertThat(sent).extracting(EvolutionFixture.SentText::number).containsOnly(PHONE);
        assertThat(delays(sent)).containsExactly(0L, pause(PARTS.get(1)), pause(PARTS.get(2)), pause(PARTS.get(3)));
        // Evolution held each further part for its delay before sending it, so the next one came after that.
        for (int i = 1; i + 1 < sent.size(); i++) {
            assertThat(Duration.between(sent.get(i).receivedAt(), sent.get(i + 1).receivedAt()))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(pause(PARTS.get(i))));
        }
        assertThat(evolution.attempts()).hasSize(PARTS.size());
        assertThat(column("select text from messages where direction = 'out' order by part_index"))
                .containsExactlyElementsOf(PARTS);
        assertThat(column("select part_index || '/' || part_count || ' ' || status from messages"
                + " where direction = 'out' order by id")).containsExactly("0/4 sent", "1/4 sent", "2/4 sent", "3/4 sent");
        // The history keeps the model's own text, Markdown and all, on the first part.
        assertThat(query("select model_text from messages where direction = 'out' and part_index = 0"))
                .isEqualTo(ANSWER);
    }

    @Test
    void aCrashWhileEvolutionHoldsAnAcceptedPartStillSendsEveryPartOnceInOrder() throws Exception {
        // Each accepted sendText is stored by Evolution at once, its 201 held back: the window a crash can fall in.
        evolution.acceptThenDelay(Duration.ofSeconds(2));
        startApp();
        post("3ASPLIT00000000000002", "Como funcionam as encomendas de bolo?");

        // Part 2 is at Evolution (sent to WhatsApp) and the gateway has not heard back: the connection is lost and
        // the gateway stopped before any answer comes. Nothing reaches Evolution until the restart.
        evolution.awaitSent(2, WAIT);
        evolution.refuseConnections();
        app.close();
        app = null;
        assertThat(column("select status from messages where direction = 'out' order by part_index"))
                .containsExactly("sent", "sending", "ready", "ready");
        assertThat(evolution.sent()).hasSize(2);

        evolution.acceptThenDelay(Duration.ZERO).acceptConnections();
        startApp();

        await().atMost(WAIT).until(() -> "idle".equals(query("select state from conversations")));
        assertThat(column("select status from messages where direction = 'out' order by part_index"))
                .containsExactly("sent", "sent", "sent", "sent");
        // Every part once, in order: in what Evolution sent, and in every sendText it was asked for.
        assertThat(evolution.stored()).extracting(EvolutionFixture.StoredMessage::text).containsExactlyElementsOf(PARTS);
        assertThat(evolution.sent()).extracting(EvolutionFixture.SentText::text).containsExactlyElementsOf(PARTS);
        assertThat(evolution.attempts()).extracting(EvolutionFixture.Attempt::text).containsExactlyElementsOf(PARTS);
        // Part 2 was found at Evolution (findMessages) and kept its WhatsApp id; parts 3 and 4 still waited.
        assertThat(evolution.findMessagesCalls()).isNotEmpty();
        assertThat(query("select wa_message_id from messages where direction = 'out' and part_index = 1"))
                .isEqualTo(evolution.sent().get(1).keyId());
        assertThat(column("select a.outcome from delivery_attempts a join messages m on m.id = a.message_id"
                + " where m.part_index = 1 order by a.id")).doesNotContain("accepted").last().isEqualTo("reconciled");
        assertThat(delays(evolution.sent())).containsExactly(0L, pause(PARTS.get(1)), pause(PARTS.get(2)),
                pause(PARTS.get(3)));
    }

    // ---------------------------------------------------------------- helpers

    private void startApp() {
        app = new AtendeRunner()
                .database(dbUrl, dataDir)
                .set("atende.webhook.token", "t")
                .set("atende.admin.token", "a")
                // retried until the gateway stops, never given up meanwhile
                .set("atende.send.max-attempts", "1000")
                .set("camel.main.shutdown-timeout", "1")
                .set("atende.ollama.base-url", ollama.baseUrl())
                .set("atende.evolution.base-url", evolution.baseUrl())
                .set("atende.evolution.api-key", "k")
                .start();
        Profiles.write(dbUrl, "loja", SPLIT);
        app.context().getRegistry().lookupByNameAndType("instanceProfiles", InstanceProfiles.class).invalidate();
    }

    /** The number's pause before a further part: 2 ms a character, at least half a second. */
    private static long pause(String part) {
        return Math.max(500, (long) part.length() * MS_PER_CHAR);
    }

    /** Each sendText's {@code delay}, 0 when it has none. */
    private static List<Long> delays(List<EvolutionFixture.SentText> sent) throws Exception {
        List<Long> out = new ArrayList<>();
        for (EvolutionFixture.SentText s : sent) {
            JsonNode delay = JSON.readTree(s.rawJson()).get("delay");
            out.add(delay == null ? 0L : delay.asLong());
        }
        return out;
    }

    private void post(String id, String text) {
        var ack = Http.post(app.baseUrl() + "/webhooks/evolution",
                Payloads.fixture("01-text-conversation.json").instance("loja").id(id).text(text)
                        .remoteJid(PHONE + "@s.whatsapp.net").remoteJidAlt(PHONE + "@s.whatsapp.net").json(),
                "Authorization", "Bearer t");
        assertThat(ack.statusCode()).isEqualTo(200);
    }

    private String query(String sql) throws SQLException {
        List<String> rows = column(sql);
        return rows.isEmpty() ? null : rows.get(0);
    }

    private List<String> column(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(dbUrl, "postgres", "");
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }
}

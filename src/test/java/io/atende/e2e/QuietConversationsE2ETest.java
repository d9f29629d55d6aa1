package io.atende.e2e;

import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OllamaFixture;
import io.atende.profile.InstanceProfiles;
import io.atende.support.AtendeRunner;
import io.atende.support.GatewayClock;
import io.atende.support.Http;
import io.atende.support.Payloads;
import io.atende.support.Profiles;
import io.atende.support.TestPostgres;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 13, the bot knows when to be quiet, end to end over real sockets: the gateway in this JVM with real
 * PostgreSQL, the Ollama and Evolution stand-ins. The operator's messages are webhooks with {@code fromMe: true}, as
 * Evolution delivers what is typed on the phone. Time is the gateway's clock, moved by the tests (pauses of an hour,
 * closed nights) without sleeping. Each test has its own instance. "Nothing was sent" is asserted once a later
 * message of the same conversation was answered: replies of one conversation go out in order.
 */
class QuietConversationsE2ETest {

    static final String TOKEN = "global-webhook-token-" + UUID.randomUUID();
    static final String EVOLUTION_KEY = "evo-key-quiet";
    static final String CUSTOMER = "5521987654321@s.whatsapp.net";
    static final Duration WAIT = Duration.ofSeconds(20);
    static final String ADMIN = "admin-token-" + UUID.randomUUID();

    @TempDir
    static Path dataDir;

    static OllamaFixture ollama;
    static EvolutionFixture evolution;
    static AtendeRunner app;
    static String dbUrl;
    static GatewayClock clock;

    @BeforeAll
    static void start() {
        ollama = OllamaFixture.start();
        evolution = EvolutionFixture.start(EVOLUTION_KEY);
        dbUrl = TestPostgres.newDatabase();
        app = new AtendeRunner()
                .database(dbUrl, dataDir)
                .set("atende.webhook.token", TOKEN)
                .set("atende.ollama.base-url", ollama.baseUrl())
                .set("atende.evolution.base-url", evolution.baseUrl())
                .set("atende.evolution.api-key", EVOLUTION_KEY)
                .set("atende.admin.token", ADMIN)
                .start();
        clock = app.context().getRegistry().lookupByNameAndType("gatewayClock", GatewayClock.class);
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        ollama.close();
        evolution.close();
    }

    @BeforeEach
    void realTime() {
        clock.setTo(Instant.now());
    }

    static String newInstance(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String newId() {
        return "3A" + UUID.randomUUID().toString().replace("-", "").substring(0, 18).toUpperCase();
    }

    static String marker(String text) {
        return text + " " + UUID.randomUUID().toString().substring(0, 8);
    }

    static void profile(String instance, String json) {
        Profiles.write(dbUrl, instance, json);
        app.context().getRegistry().lookupByNameAndType("instanceProfiles", InstanceProfiles.class).invalidate();
    }

    static String webhook(Payloads p) {
        var response = Http.post(app.baseUrl() + "/webhooks/evolution", p.json(), "Authorization", "Bearer " + TOKEN);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    /** The customer of the reference payload writes. */
    static String customer(String instance, String text) {
        return webhook(Payloads.fixture("01-text-conversation.json").instance(instance).id(newId()).text(text));
    }

    /** Another customer, addressed by this JID only. */
    static String customerAt(String instance, String jid, String alt, String text) {
        return webhook(Payloads.fixture("01-text-conversation.json").instance(instance).id(newId()).text(text)
                .remoteJid(jid).remoteJidAlt(alt));
    }

    /** The business's operator types in the customer's chat on the phone. */
    static String operator(String instance, String jid, String text) {
        return webhook(Payloads.fixture("06-fromme-from-phone.json").instance(instance).id(newId()).text(text)
                .remoteJid(jid));
    }

    static List<EvolutionFixture.SentText> sent(String instance) {
        return evolution.sent().stream().filter(s -> s.instance().equals(instance)).toList();
    }

    static List<EvolutionFixture.SentText> awaitSent(String instance, int n) {
        await().atMost(WAIT).until(() -> sent(instance).size() >= n);
        return sent(instance);
    }

    static List<OllamaFixture.ChatCall> callsWith(String marker) {
        return ollama.calls().stream().filter(c -> c.messages().stream().anyMatch(m -> m.content().contains(marker)))
                .toList();
    }

    static double counter(String name, String instance, String... tags) {
        MeterRegistry meters = app.context().getRegistry().lookupByNameAndType("metricsRegistry", MeterRegistry.class);
        Counter c = meters.find(name).tag("instance", instance).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    static List<List<Object>> rows(String sql, Object... params) {
        try (Connection c = DriverManager.getConnection(dbUrl, "postgres", "postgres");
             PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            List<List<Object>> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    List<Object> row = new ArrayList<>();
                    for (int k = 1; k <= rs.getMetaData().getColumnCount(); k++) {
                        row.add(rs.getObject(k));
                    }
                    out.add(row);
                }
            }
            return out;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theOperatorTypingSilencesTheBotUntilThePauseHasPassedAndTheModelThenKnowsWhatTheHumanSaid() {
        String shop = newInstance("loja");
        profile(shop, "{\"handoff\":{\"pauseMinutes\":60}}");
        String first = marker("qual o preço do bolo?");
        assertThat(customer(shop, first)).contains("accepted");
        awaitSent(shop, 1);

        String human = marker("Oi Maria, aqui é a Ana. O bolo sai por R$ 50.");
        assertThat(operator(shop, CUSTOMER, human)).contains("\"ignored\"").contains("from_me");
        String during = marker("obrigada! e a entrega?");
        assertThat(customer(shop, during)).contains("\"held\"").contains("\"human\"");
        clock.advance(Duration.ofMinutes(59));
        String stillQuiet = marker("alguém aí?");
        assertThat(customer(shop, stillQuiet)).contains("\"held\"").contains("\"human\"");

        // an hour after the operator's last message, with no further one: the bot is back
        clock.advance(Duration.ofMinutes(2));
        String after = marker("então vou buscar amanhã");
        assertThat(customer(shop, after)).contains("accepted");
        List<EvolutionFixture.SentText> replies = awaitSent(shop, 2);
        assertThat(replies).hasSize(2);
        assertThat(replies.get(1).text()).startsWith("Resposta: ").endsWith(after);
        // the messages the human saw were never answered on their own: they are only in the prompt of the next turn
        OllamaFixture.ChatCall call = callsWith(after).get(0);
        assertThat(callsWith(during)).containsExactly(call);
        assertThat(callsWith(stillQuiet)).containsExactly(call);
        // ... which knows the whole story: the operator's words as the business's turn
        List<String> roles = call.messages().stream().map(OllamaFixture.Msg::role).toList();
        List<String> contents = call.messages().stream().map(OllamaFixture.Msg::content).toList();
        int op = indexOf(contents, human);
        int saw = indexOf(contents, during);
        assertThat(roles.get(op)).isEqualTo("assistant");
        assertThat(roles.get(saw)).isEqualTo("user");
        assertThat(op).isLessThan(saw);
        assertThat(saw).isLessThanOrEqualTo(indexOf(contents, after));
        assertThat(counter("atende.handoffs", shop, "reason", "operator")).isEqualTo(1.0);
    }

    static int indexOf(List<String> contents, String marker) {
        for (int i = 0; i < contents.size(); i++) {
            if (contents.get(i).contains(marker)) {
                return i;
            }
        }
        throw new AssertionError("not in the prompt: " + marker);
    }

    @Test
    void anAnswerAlreadyOnItsWayWhenTheOperatorTakesOverIsNotSentAndTheResumeKeywordBringsTheBotBack() {
        String shop = newInstance("loja");
        String question = marker("tem bolo de cenoura?");
        ollama.hang();
        try {
            assertThat(customer(shop, question)).contains("accepted");
            await().atMost(WAIT).until(() -> !callsWith(question).isEmpty());
            assertThat(operator(shop, CUSTOMER, marker("deixa que eu respondo"))).contains("from_me");
        } finally {
            ollama.release();
        }
        await().atMost(WAIT).until(() -> !rows("""
                select m.id from messages m join instances i on i.id = m.instance_id
                 where i.name = ? and m.direction = 'out' and m.status = 'withheld'""", shop).isEmpty());
        assertThat(rows("""
                select m.failure_reason from messages m join instances i on i.id = m.instance_id
                 where i.name = ? and m.direction = 'out'""", shop)).containsExactly(List.of("human"));

        assertThat(operator(shop, CUSTOMER, " #BOT ")).contains("operator_resume");
        String next = marker("e de chocolate?");
        assertThat(customer(shop, next)).contains("accepted");
        assertThat(awaitSent(shop, 1)).extracting(EvolutionFixture.SentText::text).containsExactly("Resposta: " + next);
        // the resume keyword is not a turn of the conversation
        assertThat(callsWith("#BOT")).isEmpty();
    }

    @Test
    void aCustomerAskingForAHumanGetsTheHandoffTextOnceAndTheOwnerIsTold() {
        String shop = newInstance("loja");
        profile(shop, """
                {"handoff":{"notifyNumber":"+55 11 90000-1111"},"texts":{"handoff":"Já chamo alguém da equipe!"}}""");
        assertThat(customer(shop, "Quero falar com um ATENDENTE, por favor")).contains("\"held\"").contains("handoff");
        List<EvolutionFixture.SentText> out = awaitSent(shop, 2);
        assertThat(out).anySatisfy(s -> {
            assertThat(s.number()).isEqualTo("5521987654321");
            assertThat(s.text()).isEqualTo("Já chamo alguém da equipe!");
        });
        assertThat(out).anySatisfy(s -> {
            assertThat(s.number()).isEqualTo("5511900001111");
            assertThat(s.text()).contains("+5521987654321").contains("Maria Souza");
        });
        assertThat(customer(shop, "alô? falar com alguém")).contains("\"held\"").contains("\"human\"");
        assertThat(customer(shop, "cadê?")).contains("\"held\"").contains("\"human\"");
        assertThat(counter("atende.handoffs", shop, "reason", "customer")).isEqualTo(1.0);
        assertThat(rows("""
                select c.human_reason from conversations c join instances i on i.id = c.instance_id
                 where i.name = ? and c.contact_jid = ?""", shop, CUSTOMER)).containsExactly(List.of("customer"));

        // the operator answers and gives the conversation back; the next answer is the only other message sent
        operator(shop, CUSTOMER, "Oi! Sou o João, resolvido?");
        operator(shop, CUSTOMER, "#bot");
        String next = marker("sim, obrigada");
        customer(shop, next);
        awaitSent(shop, 3);
        assertThat(sent(shop)).hasSize(3);
        assertThat(sent(shop).get(2).text()).isEqualTo("Resposta: " + next);
    }

    @Test
    void aCustomerWhoOptsOutGetsNothingMoreUntilTheyComeBackEvenFromAHuman() {
        String shop = newInstance("loja");
        assertThat(customer(shop, "Parar, por favor! 🙏")).contains("\"held\"").contains("opt_out");
        assertThat(awaitSent(shop, 1).get(0).text()).startsWith("Pronto, você não vai mais receber");
        assertThat(customer(shop, "quanto custa?")).contains("\"held\"").contains("opted_out");
        assertThat(customer(shop, "atendente")).contains("\"held\"").contains("opted_out");
        assertThat(customer(shop, "parar")).contains("opted_out");
        assertThat(customer(shop, "Voltar")).contains("\"held\"").contains("opt_in");
        assertThat(awaitSent(shop, 2).get(1).text()).startsWith("Que bom ter você de volta");
        String next = marker("quanto custa o bolo?");
        assertThat(customer(shop, next)).contains("accepted");
        awaitSent(shop, 3);
        assertThat(sent(shop)).extracting(EvolutionFixture.SentText::text).hasSize(3).last()
                .isEqualTo("Resposta: " + next);
        // the evidence: each change with its time
        assertThat(rows("""
                select e.kind from conversation_events e join instances i on i.id = e.instance_id
                 where i.name = ? and e.kind in ('opt_out', 'opt_in') and e.at is not null order by e.id""", shop))
                .containsExactly(List.of("opt_out"), List.of("opt_in"));
        assertThat(counter("atende.opt.outs", shop)).isEqualTo(1.0);

        // while a human has another customer's conversation, the opt-out is still confirmed
        String other = "5521911112222@s.whatsapp.net";
        operator(shop, other, "Oi, tudo bem?");
        assertThat(customerAt(shop, other, null, "sair")).contains("opt_out");
        await().atMost(WAIT).until(() -> sent(shop).stream().anyMatch(s -> s.number().equals("5521911112222")));
        assertThat(sent(shop).stream().filter(s -> s.number().equals("5521911112222")))
                .singleElement().extracting(EvolutionFixture.SentText::text).asString().startsWith("Pronto");
    }

    static final String WEEKDAYS = """
            "weekly":{"mon":["09:00-18:00"],"tue":["09:00-18:00"],"wed":["09:00-18:00"],"thu":["09:00-18:00"],
                      "fri":["09:00-18:00"]}""";

    @Test
    void noticeAndAnswerGivesOneNoticePerClosedNightAndAnswers() {
        String shop = newInstance("noite");
        profile(shop, "{\"hours\":{\"timeZone\":\"America/Sao_Paulo\"," + WEEKDAYS
                + ",\"outOfHoursPolicy\":\"notice-and-answer\"},\"texts\":{\"outOfHours\":\"Estamos fechados.\"}}");
        clock.setTo(Instant.parse("2026-12-07T23:00:00Z")); // Monday 20:00 in São Paulo
        String q1 = marker("vocês abrem amanhã?");
        assertThat(customer(shop, q1)).contains("accepted");
        awaitSent(shop, 2);
        String q2 = marker("e sábado?");
        customer(shop, q2);
        awaitSent(shop, 3);
        assertThat(sent(shop)).extracting(EvolutionFixture.SentText::text)
                .containsExactlyInAnyOrder("Estamos fechados.", "Resposta: " + q1, "Resposta: " + q2);

        clock.setTo(Instant.parse("2026-12-09T01:30:00Z")); // Tuesday 22:30: the next closed night
        String q3 = marker("oi de novo");
        customer(shop, q3);
        awaitSent(shop, 5);
        assertThat(sent(shop)).extracting(EvolutionFixture.SentText::text).filteredOn("Estamos fechados."::equals)
                .hasSize(2);
        assertThat(counter("atende.out.of.hours", shop, "policy", "notice-and-answer")).isEqualTo(3.0);
    }

    @Test
    void noticeOnlyNeverAnswersWhatCameWhileClosedButTheModelSeesItOnceOpen() {
        String shop = newInstance("so-aviso");
        profile(shop, "{\"hours\":{\"timeZone\":\"America/Sao_Paulo\"," + WEEKDAYS
                + ",\"outOfHoursPolicy\":\"notice-only\"},\"texts\":{\"outOfHours\":\"Fechado agora.\"}}");
        clock.setTo(Instant.parse("2026-12-12T15:00:00Z")); // Saturday noon: closed all day
        String q1 = marker("tem pão?");
        assertThat(customer(shop, q1)).contains("\"held\"").contains("out_of_hours");
        assertThat(awaitSent(shop, 1).get(0).text()).isEqualTo("Fechado agora.");
        String q2 = marker("e croissant?");
        assertThat(customer(shop, q2)).contains("out_of_hours");

        clock.setTo(Instant.parse("2026-12-14T12:30:00Z")); // Monday 09:30: open
        String q3 = marker("bom dia, tem pão?");
        assertThat(customer(shop, q3)).contains("accepted");
        awaitSent(shop, 2);
        assertThat(sent(shop)).hasSize(2);
        assertThat(sent(shop).get(1).text()).startsWith("Resposta: ").endsWith(q3);
        // what came while closed is only in the prompt of the first turn after opening
        assertThat(callsWith(q1)).containsExactlyElementsOf(callsWith(q3));
        assertThat(callsWith(q2)).containsExactlyElementsOf(callsWith(q3));
    }

    @Test
    void theAnswerPolicyAnswersOutOfHoursWithoutANotice() {
        String shop = newInstance("sempre");
        profile(shop, "{\"hours\":{" + WEEKDAYS + ",\"outOfHoursPolicy\":\"answer\"}}");
        clock.setTo(Instant.parse("2026-12-13T15:00:00Z")); // Sunday
        String q = marker("estão abertos?");
        assertThat(customer(shop, q)).contains("accepted");
        assertThat(awaitSent(shop, 1)).extracting(EvolutionFixture.SentText::text).containsExactly("Resposta: " + q);
        assertThat(counter("atende.out.of.hours", shop, "policy", "answer")).isEqualTo(1.0);
    }

    @Test
    void hoursFollowTheZonesDaylightSavingChange() {
        // New York moved from UTC-5 to UTC-4 on 2026-03-08: 13:30 UTC on a Monday is 08:30 before it, 09:30 after
        String shop = newInstance("nova-york");
        profile(shop, """
                {"hours":{"timeZone":"America/New_York","weekly":{"mon":["09:00-17:00"]},
                          "outOfHoursPolicy":"notice-only"},"texts":{"outOfHours":"Closed."}}""");
        clock.setTo(Instant.parse("2026-03-02T13:30:00Z"));
        assertThat(customer(shop, marker("before the change"))).contains("out_of_hours");
        clock.setTo(Instant.parse("2026-03-09T13:30:00Z"));
        String q = marker("after the change");
        assertThat(customer(shop, q)).contains("accepted");
        awaitSent(shop, 2);
        assertThat(sent(shop)).hasSize(2);
        assertThat(sent(shop).get(0).text()).isEqualTo("Closed.");
        assertThat(sent(shop).get(1).text()).startsWith("Resposta: ").endsWith(q);
    }

    @Test
    void mergingTheLidAndPhoneConversationsKeepsTheMostRestrictiveState() {
        String shop = newInstance("lid");
        String lid = "123456789012345@lid";
        // the phone conversation: a human has it
        assertThat(operator(shop, CUSTOMER, "Oi, já te atendo")).contains("from_me");
        // the LID conversation (no phone known yet): the contact opted out
        assertThat(customerAt(shop, lid, null, "cancelar")).contains("opt_out");
        // a message carrying both addresses folds the LID conversation into the phone one
        assertThat(customerAt(shop, lid, CUSTOMER, "oi?")).contains("\"held\"").contains("opted_out");
        assertThat(rows("""
                select c.contact_jid, c.opted_out_at is not null, c.human_reason from conversations c
                  join instances i on i.id = c.instance_id where i.name = ?""", shop))
                .containsExactly(List.of(CUSTOMER, true, "operator"));
        assertThat(rows("""
                select distinct e.conversation_id = c.id from conversation_events e join conversations c
                    on c.instance_id = e.instance_id join instances i on i.id = c.instance_id where i.name = ?""", shop))
                .containsExactly(List.of(true));
    }

    @Test
    void anOperatorMessageInALidChatDoesNotTeachTheBusinesssOwnNumberAsTheCustomersPhone() {
        String shop = newInstance("lid-op");
        String lid = "987654321098765@lid";
        String business = "5511940001234@s.whatsapp.net";
        webhook(Payloads.fixture("06-fromme-from-phone.json").instance(shop).id(newId()).text("Olá!")
                .remoteJid(lid).remoteJidAlt(business));
        assertThat(rows("select * from contact_aliases a join instances i on i.id = a.instance_id where i.name = ?",
                shop)).isEmpty();
        assertThat(rows("""
                select c.contact_jid from conversations c join instances i on i.id = c.instance_id
                 where i.name = ?""", shop)).containsExactly(List.of(lid));
    }

    static String admin(String path, String body) {
        var response = Http.send("POST", app.baseUrl() + path, ADMIN, body, "Content-Type", "application/json");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    @Test
    void anAdminPauseSilencesTheBotForItsMinutesAndAnAdminResumeBringsItBack() {
        String shop = newInstance("painel");
        String first = marker("oi");
        customer(shop, first);
        awaitSent(shop, 1);
        String path = "/admin/conversations/" + shop + "/5521987654321";
        assertThat(admin(path + "/pause", "{\"minutes\": 30}")).contains("\"human\"").contains("admin");
        assertThat(customer(shop, marker("tem bolo?"))).contains("\"held\"").contains("\"human\"");
        clock.advance(Duration.ofMinutes(29));
        assertThat(customer(shop, marker("e torta?"))).contains("\"human\"");
        assertThat(admin(path + "/resume", "")).doesNotContain("\"state\":\"human\"");
        String next = marker("e pão?");
        assertThat(customer(shop, next)).contains("accepted");
        awaitSent(shop, 2);
        assertThat(sent(shop)).hasSize(2);
        assertThat(sent(shop).get(1).text()).startsWith("Resposta: ").endsWith(next);
        assertThat(counter("atende.handoffs", shop, "reason", "admin")).isEqualTo(1.0);
    }
}

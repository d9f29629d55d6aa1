package io.atende.e2e;

import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OllamaFixture;
import io.atende.profile.InstanceProfiles;
import io.atende.support.AtendeRunner;
import io.atende.support.Http;
import io.atende.support.Jwt;
import io.atende.support.Payloads;
import io.atende.support.Profiles;
import io.atende.support.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole loop over real sockets: Evolution-shaped webhooks into the real gateway (real PostgreSQL, real
 * LangChain4j client, real Camel HTTP client), an Ollama-protocol server answering, an Evolution-protocol server
 * receiving the replies. Each test uses its own instance name, so tests never see each other's messages.
 */
class WebhookToReplyE2ETest {

    static final String TOKEN = "test-webhook-token-" + UUID.randomUUID();
    static final String EVOLUTION_KEY = "evo-key";
    static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path dataDir;

    static OllamaFixture ollama;
    static EvolutionFixture evolution;
    static AtendeRunner app;
    static String dbUrl;

    @BeforeAll
    static void start() {
        ollama = OllamaFixture.start();
        evolution = EvolutionFixture.start(EVOLUTION_KEY);
        dbUrl = TestPostgres.newDatabase();
        app = new AtendeRunner()
                .database(dbUrl, dataDir)
                .set("atende.webhook.token", TOKEN)
                .set("atende.webhook.max-bytes", "65536")
                .set("atende.ollama.base-url", ollama.baseUrl())
                .set("atende.evolution.base-url", evolution.baseUrl())
                .set("atende.evolution.api-key", EVOLUTION_KEY)
                .start();
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        if (ollama != null) {
            ollama.close();
        }
        if (evolution != null) {
            evolution.close();
        }
    }

    static String newInstance() {
        return "inst-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String newId() {
        return "3A" + UUID.randomUUID().toString().replace("-", "").substring(0, 18).toUpperCase();
    }

    static HttpResponse<String> webhook(String json) {
        return Http.post(app.baseUrl() + "/webhooks/evolution", json, "Authorization", "Bearer " + TOKEN);
    }

    static List<EvolutionFixture.SentText> sentTo(String instance) {
        return evolution.sent().stream().filter(s -> s.instance().equals(instance)).toList();
    }

    static List<EvolutionFixture.SentText> awaitSent(String instance, int n) {
        await().atMost(WAIT).until(() -> sentTo(instance).size() >= n);
        return sentTo(instance);
    }

    static List<OllamaFixture.ChatCall> callsMentioning(String marker) {
        return ollama.calls().stream()
                .filter(c -> c.messages().stream().anyMatch(m -> m.content().contains(marker)))
                .toList();
    }

    @Test
    void textMessageIsAnsweredThroughOllamaAndEvolution() {
        String inst = newInstance();
        String marker = "abrem amanhã? " + UUID.randomUUID();
        HttpResponse<String> ack = webhook(Payloads.fixture("01-text-conversation.json")
                .instance(inst).id(newId()).text(marker).json());

        assertThat(ack.statusCode()).isEqualTo(200);
        assertThat(ack.body()).contains("\"status\":\"accepted\"");

        List<EvolutionFixture.SentText> sent = awaitSent(inst, 1);
        assertThat(sent.get(0).number()).isEqualTo("5521987654321");
        assertThat(sent.get(0).text()).isEqualTo("Resposta: " + marker);

        OllamaFixture.ChatCall call = callsMentioning(marker).get(0);
        assertThat(call.model()).isEqualTo("mistral");
        assertThat(call.options()).containsEntry("num_ctx", 4096);
        assertThat(call.messages().get(0).role()).isEqualTo("system");
        assertThat(call.messages().get(0).content()).contains("português do Brasil");
        assertThat(call.messages().get(call.messages().size() - 1).role()).isEqualTo("user");
        assertThat(call.messages().get(call.messages().size() - 1).content()).isEqualTo(marker);

        // Our reply's WhatsApp id is kept, so its fromMe echo is recognised as ours, not an operator's.
        String echoId = sent.get(0).keyId();
        HttpResponse<String> echo = webhook(Payloads.fixture("06-fromme-from-phone.json")
                .instance(inst).id(echoId).remoteJid("5521987654321@s.whatsapp.net").json());
        assertThat(echo.body()).contains("\"status\":\"ignored\"").contains("\"reason\":\"own_reply\"");
        HttpResponse<String> operator = webhook(Payloads.fixture("06-fromme-from-phone.json")
                .instance(inst).id(newId()).json());
        assertThat(operator.body()).contains("\"reason\":\"from_me\"");
    }

    /**
     * With the default ATENDE_PROMPT_TEMPLATE=auto and model {@code mistral}, the gateway sends its own raw prompt, and
     * a conversation's next prompt starts with the previous one and the model's answer: what Ollama keeps cached.
     */
    @Test
    void aSecondTurnsRawPromptExtendsTheFirstPromptAndItsAnswer() {
        String inst = newInstance();
        String first = "primeira " + UUID.randomUUID();
        String second = "segunda " + UUID.randomUUID();
        webhook(Payloads.fixture("01-text-conversation.json").instance(inst).id(newId()).text(first).json());
        awaitSent(inst, 1);
        webhook(Payloads.fixture("01-text-conversation.json").instance(inst).id(newId()).text(second).json());
        awaitSent(inst, 2);

        OllamaFixture.ChatCall one = callsMentioning(first).get(0);
        OllamaFixture.ChatCall two = callsMentioning(second).get(0);
        assertThat(List.of(one, two)).allSatisfy(c -> {
            assertThat(c.path()).isEqualTo(OllamaFixture.GENERATE);
            assertThat(c.raw()).isTrue();
            assertThat(c.prompt()).startsWith("[INST] ").endsWith("[/INST]").doesNotContain("<s>");
        });
        assertThat(one.prompt()).endsWith("\n\n" + first + "[/INST]");
        assertThat(two.prompt()).startsWith(one.prompt() + " Resposta: " + first + "</s>[INST] ")
                .endsWith(second + "[/INST]");
    }

    @Test
    void redeliveredWebhookIsAcknowledgedAndProducesNothing() {
        String inst = newInstance();
        String marker = "duplicado " + UUID.randomUUID();
        String json = Payloads.fixture("01-text-conversation.json").instance(inst).id(newId()).text(marker).json();

        assertThat(webhook(json).body()).contains("accepted");
        awaitSent(inst, 1);
        HttpResponse<String> again = webhook(json);

        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).contains("\"status\":\"duplicate\"");
        // A later message on the same instance is answered; the duplicate never was.
        String after = "depois " + UUID.randomUUID();
        webhook(Payloads.fixture("01-text-conversation.json").instance(inst).id(newId()).text(after).json());
        List<EvolutionFixture.SentText> sent = awaitSent(inst, 2);
        assertThat(sent).hasSize(2);
        assertThat(callsMentioning(marker)).hasSize(2); // first turn, then as history of the second
        assertThat(callsMentioning(marker).get(1).messages().stream().filter(m -> m.content().equals(marker)))
                .hasSize(1);
    }

    @Test
    void ignoredKindsAreAcknowledgedRecordedAndNeverAnswered() {
        String inst = newInstance();
        record Case(String file, String reason) {
        }
        List<Case> cases = List.of(
                new Case("05-group-message.json", "group"),
                new Case("06-fromme-from-phone.json", "from_me"),
                new Case("07-reaction.json", "reaction"),
                new Case("08-status-broadcast.json", "status_broadcast"));
        for (Case c : cases) {
            HttpResponse<String> ack = webhook(Payloads.fixture(c.file()).instance(inst).id(newId()).json());
            assertThat(ack.statusCode()).as(c.file()).isEqualTo(200);
            assertThat(ack.body()).as(c.file()).contains("\"status\":\"ignored\"").contains("\"reason\":\"" + c.reason() + "\"");
        }
        HttpResponse<String> newsletter = webhook(Payloads.fixture("01-text-conversation.json").instance(inst)
                .id(newId()).remoteJid("120363999999999999@newsletter").remoteJidAlt(null).json());
        assertThat(newsletter.body()).contains("\"reason\":\"newsletter\"");
        HttpResponse<String> otherEvent = webhook("{\"event\":\"connection.update\",\"instance\":\"" + inst
                + "\",\"data\":{\"state\":\"open\"}}");
        assertThat(otherEvent.statusCode()).isEqualTo(200);
        assertThat(otherEvent.body()).contains("\"reason\":\"other_event\"");

        // A sentinel text on the same instance is answered, and it is the only thing that ever was.
        String sentinel = "sentinela " + UUID.randomUUID();
        webhook(Payloads.fixture("01-text-conversation.json").instance(inst).id(newId()).text(sentinel).json());
        List<EvolutionFixture.SentText> sent = awaitSent(inst, 1);
        assertThat(sent).extracting(EvolutionFixture.SentText::text).containsExactly("Resposta: " + sentinel);
        assertThat(callsMentioning("Alguém sabe o horário de hoje?")).isEmpty();
        assertThat(callsMentioning("Promoção de fim de ano")).isEmpty();
        assertThat(rows("select ignore_reason from messages m join instances i on i.id = m.instance_id"
                + " where i.name = '" + inst + "' and m.status = 'ignored' order by m.id"))
                .containsExactly("group", "from_me", "reaction", "status_broadcast", "newsletter");
        assertThat(rows("select event || ':' || reason || ':' || count from ignored_events e join instances i"
                + " on i.id = e.instance_id where i.name = '" + inst + "'"))
                .containsExactly("connection.update:other_event:1");
    }

    @Test
    void mediaWithoutTextGetsThePoliteNoticeAndNeverReachesTheModel() {
        String inst = newInstance();
        int callsBefore = ollama.calls().size();
        HttpResponse<String> ack = webhook(Payloads.fixture("04-audio-ptt.json").instance(inst).id(newId()).json());

        assertThat(ack.body()).contains("\"status\":\"noticed\"");
        List<EvolutionFixture.SentText> sent = awaitSent(inst, 1);
        assertThat(sent.get(0).text()).startsWith("Desculpe, por enquanto eu só consigo ler mensagens de texto");
        assertThat(sent.get(0).number()).isEqualTo("5521987654321");

        // An image WITH a caption is text: it is answered from the caption.
        webhook(Payloads.fixture("03-image-caption.json").instance(inst).id(newId()).json());
        List<EvolutionFixture.SentText> both = awaitSent(inst, 2);
        assertThat(both.get(1).text()).isEqualTo("Resposta: Segue a foto do produto com defeito");
        assertThat(ollama.calls().size()).isGreaterThan(callsBefore);
        assertThat(ollama.calls()).noneMatch(c -> c.messages().stream().anyMatch(m -> m.content().isBlank()));
    }

    @Test
    void historyIsSentInOrderAsUserAndAssistantTurns() {
        String inst = newInstance();
        String jid = "5511900000001@s.whatsapp.net";
        String run = UUID.randomUUID().toString().substring(0, 6);
        for (int i = 1; i <= 3; i++) {
            webhook(Payloads.fixture("01-text-conversation.json").instance(inst).id(newId())
                    .remoteJid(jid).remoteJidAlt(jid).text("pergunta " + i + " " + run).json());
            awaitSent(inst, i);
        }
        OllamaFixture.ChatCall third = callsMentioning("pergunta 3 " + run).get(0);
        assertThat(third.messages()).extracting(OllamaFixture.Msg::role)
                .containsExactly("system", "user", "assistant", "user", "assistant", "user");
        assertThat(third.messages().subList(1, 6)).extracting(OllamaFixture.Msg::content).containsExactly(
                "pergunta 1 " + run, "Resposta: pergunta 1 " + run,
                "pergunta 2 " + run, "Resposta: pergunta 2 " + run,
                "pergunta 3 " + run);
    }

    @Test
    void lidAndPhoneAddressesOfOneContactStayOneConversation() {
        String inst = newInstance();
        String lid = "987650000" + (int) (Math.random() * 100000) + "@lid";
        String phone = "5531911112222@s.whatsapp.net";
        String run = UUID.randomUUID().toString().substring(0, 6);

        // Evolution <=2.3.6 without the alternate JID: only the LID is known, so the reply goes to the LID.
        webhook(Payloads.fixture("01-text-conversation.json").instance(inst).id(newId())
                .remoteJid(lid).remoteJidAlt(null).text("primeira " + run).json());
        assertThat(awaitSent(inst, 1).get(0).number()).isEqualTo(lid);

        // 2.3.5/2.3.6 with remoteJidAlt: the LID↔phone pair is learnt, and the reply goes to the phone.
        webhook(Payloads.fixture("01-text-conversation.json").instance(inst).id(newId())
                .remoteJid(lid).remoteJidAlt(phone).text("segunda " + run).json());
        assertThat(awaitSent(inst, 2).get(1).number()).isEqualTo("5531911112222");

        // 2.3.7 rewrites remoteJid to the phone: still the same conversation, with the whole history.
        webhook(Payloads.fixture("01-text-conversation.json").instance(inst).id(newId())
                .remoteJid(phone).remoteJidAlt(phone).text("terceira " + run).json());
        awaitSent(inst, 3);
        OllamaFixture.ChatCall third = callsMentioning("terceira " + run).get(0);
        assertThat(third.messages()).extracting(OllamaFixture.Msg::content)
                .contains("primeira " + run, "segunda " + run, "terceira " + run);
        assertThat(rows("select count(*) from conversations c join instances i on i.id = c.instance_id"
                + " where i.name = '" + inst + "'")).containsExactly("1");

        // And an old-style LID-only message after the mapping is known also lands in that conversation.
        webhook(Payloads.fixture("01-text-conversation.json").instance(inst).id(newId())
                .remoteJid(lid).remoteJidAlt(null).text("quarta " + run).json());
        assertThat(awaitSent(inst, 4).get(3).number()).isEqualTo("5531911112222");
    }

    @Test
    void authenticationAcceptsBearerJwtAndQueryTokenAndRejectsTheRest() {
        String url = app.baseUrl() + "/webhooks/evolution";
        String inst = newInstance();
        String body = "{\"event\":\"connection.update\",\"instance\":\"" + inst + "\",\"data\":{}}";
        long now = System.currentTimeMillis() / 1000;

        assertThat(Http.post(url, body, "Authorization", "Bearer " + TOKEN).statusCode()).isEqualTo(200);
        assertThat(Http.post(url + "?token=" + TOKEN, body).statusCode()).isEqualTo(200);
        assertThat(Http.post(url, body, "Authorization", "Bearer " + Jwt.hs256(TOKEN, now, now + 600))
                .statusCode()).isEqualTo(200);

        HttpResponse<String> none = Http.post(url, body);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.body())
                .isEqualTo("{\"type\":\"about:blank\",\"title\":\"Unauthorized\",\"status\":401,\"error\":\"unauthorized\"}");
        assertThat(none.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(Http.post(url, body, "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
        assertThat(Http.post(url + "?token=wrong", body).statusCode()).isEqualTo(401);
        assertThat(Http.post(url, body, "Authorization", "Bearer " + Jwt.hs256(TOKEN, now - 1200, now - 600))
                .statusCode()).as("expired JWT").isEqualTo(401);
        assertThat(Http.post(url, body, "Authorization", "Bearer " + Jwt.hs256("other-key", now, now + 600))
                .statusCode()).as("JWT signed with another key").isEqualTo(401);
    }

    @Test
    void malformedAndOversizedBodiesGetClearErrorsWithoutStackTraces() {
        HttpResponse<String> notJson = webhook("{not json");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(notJson.body()).contains("\"status\":400", "\"error\":\"bad_request\"",
                "\"detail\":\"webhook body is not valid JSON\"").doesNotContain("Exception").doesNotContain("\tat ");

        assertThat(webhook("[1,2,3]").statusCode()).isEqualTo(400);
        assertThat(webhook("{\"event\":\"messages.upsert\"}").statusCode()).as("no instance").isEqualTo(400);
        assertThat(webhook("{\"event\":\"messages.upsert\",\"instance\":\"x\",\"data\":{}}").statusCode())
                .as("no key").isEqualTo(400);

        String huge = "{\"event\":\"messages.upsert\",\"instance\":\"x\",\"pad\":\"" + "a".repeat(70_000) + "\"}";
        assertThat(webhook(huge).statusCode()).isEqualTo(413);
    }

    @Test
    void webhookByEventsPathIsAccepted() {
        String inst = newInstance();
        String marker = "por evento " + UUID.randomUUID();
        HttpResponse<String> ack = Http.post(app.baseUrl() + "/webhooks/evolution/messages-upsert",
                Payloads.fixture("02-reply-quoted-extendedText.json").instance(inst).id(newId()).text(marker).json(),
                "Authorization", "Bearer " + TOKEN);
        assertThat(ack.statusCode()).isEqualTo(200);
        assertThat(awaitSent(inst, 1).get(0).number()).isEqualTo("5531988776655");
    }

    @Test
    void longRepliesAreSplitAtParagraphsIntoWhatsAppSizedMessages() {
        String inst = newInstance();
        // Parts as large as WhatsApp takes, with the shortest pause before each further part (NaturalSplitE2ETest has
        // the default split).
        Profiles.write(dbUrl, inst, "{\"split\":{\"maxChars\":4096,\"maxParts\":20,\"msPerChar\":0}}");
        app.context().getRegistry().lookupByNameAndType("instanceProfiles", InstanceProfiles.class).invalidate();
        String marker = "resposta longa " + UUID.randomUUID();
        String paragraph = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(30).strip();
        String longReply = String.join("\n\n", paragraph, paragraph, paragraph, paragraph, paragraph, paragraph);
        ollama.replyWith(call -> call.messages().get(call.messages().size() - 1).content().equals(marker)
                ? longReply : "Resposta: " + call.messages().get(call.messages().size() - 1).content());
        try {
            webhook(Payloads.fixture("01-text-conversation.json").instance(inst).id(newId()).text(marker).json());
            List<EvolutionFixture.SentText> parts = awaitSent(inst, 3);
            assertThat(parts).allSatisfy(p -> assertThat(p.text().length()).isLessThanOrEqualTo(4096));
            assertThat(parts.stream().map(EvolutionFixture.SentText::text).collect(Collectors.joining("\n\n")))
                    .isEqualTo(longReply);
        } finally {
            ollama.replyWith(call -> "Resposta: " + call.messages().get(call.messages().size() - 1).content());
        }
    }

    @Test
    void healthAndPrometheusMetricsAreServed() {
        HttpResponse<String> health = Http.get(app.baseUrl() + "/observe/health");
        assertThat(health.statusCode()).isEqualTo(200);
        HttpResponse<String> ready = Http.get(app.baseUrl() + "/observe/health/ready");
        assertThat(ready.statusCode()).isEqualTo(200);

        webhook(Payloads.fixture("05-group-message.json").instance(newInstance()).id(newId()).json());
        HttpResponse<String> metrics = Http.get(app.baseUrl() + "/observe/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("atende_messages_total{").contains("outcome=\"ignored\"");
        assertThat(metrics.body()).doesNotContain("5541999887766");
    }

    static List<String> rows(String sql) {
        try (Connection c = DriverManager.getConnection(dbUrl, "postgres", "");
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<String> out = new java.util.ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

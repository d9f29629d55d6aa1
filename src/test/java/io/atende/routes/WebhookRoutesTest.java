package io.atende.routes;

import io.atende.ingest.IngestOutcome;
import io.atende.ingest.IntakeGate;
import io.atende.reply.OutboundMessage;
import io.atende.store.StoreUnavailableException;
import io.atende.support.Http;
import io.atende.support.Jwt;
import io.atende.support.Payloads;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * webhook-evolution.camel.yaml, intake-postgres.camel.yaml and http-errors.camel.yaml over real HTTP: every answer a
 * webhook can get, and what was committed before it. The dispatcher's wake-up and the notices' delivery are mocked.
 */
class WebhookRoutesTest extends RouteTestSupport {

    static final String ACCEPTED = "{\"status\":\"accepted\"}";
    static final String UNAUTHORIZED = "{\"type\":\"about:blank\",\"title\":\"Unauthorized\",\"status\":401,\"error\":\"unauthorized\"}";
    static final String MEDIA_NOTICE = "Desculpe, por enquanto eu só consigo ler mensagens de texto. Pode me escrever sua dúvida?";

    MockEndpoint wakeDispatcher;
    MockEndpoint deliveries;

    /** The two hand-offs after the commit: the dispatcher's wake-up, and the notices' way to delivery. */
    void adviseHandOffs() throws Exception {
        advise("intake-postgres", a -> a.weaveById("wake-dispatcher").replace().to("mock:wake-dispatcher"));
        advise("queue-notices", a -> a.interceptSendToEndpoint("{{atende.endpoint.deliveries}}")
                .skipSendToOriginalEndpoint().to("mock:deliveries"));
        wakeDispatcher = getMockEndpoint("mock:wake-dispatcher");
        deliveries = getMockEndpoint("mock:deliveries");
    }

    static Payloads text(String id, String text) {
        return Payloads.fixture("01-text-conversation.json").instance("loja").id(id).text(text);
    }

    @Test
    void anAcceptedTextIsCommittedBeforeTheAckAndWakesTheDispatcher() throws Exception {
        adviseHandOffs();
        startCamel();

        HttpResponse<String> ack = postWebhook(text("W1", "Vocês abrem amanhã?").json());

        assertThat(ack.statusCode()).isEqualTo(200);
        assertThat(ack.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(ack.body()).isEqualTo(ACCEPTED);
        assertThat(column("select status || ' ' || text from messages where wa_message_id = 'W1'"))
                .containsExactly("waiting Vocês abrem amanhã?");
        assertThat(wakeDispatcher.getReceivedExchanges()).singleElement().satisfies(e -> assertThat(
                String.valueOf(e.getMessage().getBody(IngestOutcome.class).messageId()))
                .isEqualTo(column("select id from messages where wa_message_id = 'W1'").get(0)));
        assertThat(deliveries.getReceivedCounter()).isZero();
    }

    @Test
    void theSameWebhookTwiceIsADuplicateEvenThroughTheByEventsUrl() throws Exception {
        adviseHandOffs();
        startCamel();
        String webhook = text("W2", "Oi").json();

        assertThat(postWebhook(webhook).body()).isEqualTo(ACCEPTED);
        HttpResponse<String> again = Http.post(baseUrl() + "/webhooks/evolution/messages-upsert", webhook,
                "Authorization", "Bearer " + WEBHOOK_TOKEN);

        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).isEqualTo("{\"status\":\"duplicate\"}");
        assertThat(column("select count(*) from messages")).containsExactly("1");
        assertThat(wakeDispatcher.getReceivedCounter()).isEqualTo(1);
    }

    @Test
    void groupMessagesAndOurOwnMessagesAreIgnoredWithTheReason() throws Exception {
        adviseHandOffs();
        startCamel();

        HttpResponse<String> group = postWebhook(Payloads.fixture("05-group-message.json").instance("loja").json());
        HttpResponse<String> fromMe = postWebhook(Payloads.fixture("06-fromme-from-phone.json").instance("loja").json());

        assertThat(group.statusCode()).isEqualTo(200);
        assertThat(group.body()).isEqualTo("{\"status\":\"ignored\",\"reason\":\"group\"}");
        assertThat(fromMe.statusCode()).isEqualTo(200);
        assertThat(fromMe.body()).isEqualTo("{\"status\":\"ignored\",\"reason\":\"from_me\"}");
        assertThat(column("select status || ' ' || ignore_reason from messages order by id"))
                .containsExactly("ignored group", "ignored from_me");
        assertThat(wakeDispatcher.getReceivedCounter()).isZero();
        assertThat(deliveries.getReceivedCounter()).isZero();
    }

    @Test
    void mediaWithoutTextIsNoticedAndTheNoticeGoesToDelivery() throws Exception {
        adviseHandOffs();
        startCamel();
        NotifyBuilder noticeQueued = new NotifyBuilder(context).wereSentTo("mock:deliveries").whenDone(1).create();

        HttpResponse<String> ack = postWebhook(Payloads.fixture("04-audio-ptt.json").instance("loja").json());

        assertThat(ack.body()).isEqualTo("{\"status\":\"noticed\"}");
        assertThat(noticeQueued.matches(10, TimeUnit.SECONDS)).isTrue();
        OutboundMessage notice = onlyPart(deliveries);
        assertThat(notice.kind()).isEqualTo("notice");
        assertThat(notice.text()).isEqualTo(MEDIA_NOTICE);
        assertThat(notice.contactJid()).isEqualTo("5521987654321@s.whatsapp.net");
        assertThat(column("select status from messages where id = ?", notice.id())).containsExactly("ready");
        assertThat(wakeDispatcher.getReceivedCounter()).isZero();
    }

    /** Estimated wait: (conversations ahead + in flight + 1) × 10 s ÷ 1 slot; above 25 s the customer hears the place. */
    @Test
    @Settings({"atende.busy-notice.seconds=25", "atende.llm.expected-seconds=10", "atende.llm.parallel=1"})
    void aLongEstimatedWaitSendsOneBusyNoticeWithThePlaceInTheQueue() throws Exception {
        adviseHandOffs();
        startCamel();
        NotifyBuilder noticeQueued = new NotifyBuilder(context).wereSentTo("mock:deliveries").whenDone(1).create();

        for (int i = 1; i <= 3; i++) {
            assertThat(postWebhook(text("B" + i, "oi " + i).remoteJid("552190000000" + i + "@s.whatsapp.net")
                    .remoteJidAlt(null).json()).body()).isEqualTo(ACCEPTED);
        }
        // Same customer, same wait: no second notice.
        postWebhook(text("B4", "alguém aí?").remoteJid("5521900000003@s.whatsapp.net").remoteJidAlt(null).json());

        assertThat(noticeQueued.matches(10, TimeUnit.SECONDS)).isTrue();
        OutboundMessage notice = onlyPart(deliveries);
        assertThat(notice.contactJid()).isEqualTo("5521900000003@s.whatsapp.net");
        assertThat(notice.text()).contains("você é o n.º 3 na fila");
        // Notices are stored in the webhook's own transaction: this count is final once the acks are in.
        assertThat(column("select count(*) from messages where kind = 'notice'")).containsExactly("1");
        assertThat(wakeDispatcher.getReceivedCounter()).isEqualTo(4);
    }

    @Test
    void theTokenIsAcceptedAsBearerAsAJwtSignedWithItAndAsAQueryParameter() throws Exception {
        adviseHandOffs();
        startCamel();
        long now = System.currentTimeMillis() / 1000;

        HttpResponse<String> bearer = postWebhook(text("A1", "um").json());
        HttpResponse<String> jwt = Http.post(baseUrl() + "/webhooks/evolution", text("A2", "dois").json(),
                "Authorization", "Bearer " + Jwt.hs256(WEBHOOK_TOKEN, now, now + 600));
        HttpResponse<String> query = Http.post(baseUrl() + "/webhooks/evolution?token=" + WEBHOOK_TOKEN,
                text("A3", "três").json());

        assertThat(List.of(bearer, jwt, query)).allSatisfy(r -> {
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(ACCEPTED);
        });
        assertThat(column("select wa_message_id from messages order by id")).containsExactly("A1", "A2", "A3");
    }

    @Test
    void withoutTheTokenTheAnswerIs401AndNothingIsStored() throws Exception {
        adviseHandOffs();
        startCamel();
        String webhook = text("U1", "oi").json();
        String url = baseUrl() + "/webhooks/evolution";
        long now = System.currentTimeMillis() / 1000;

        List<HttpResponse<String>> answers = List.of(
                Http.post(url, webhook),
                Http.post(url, webhook, "Authorization", "Bearer errado"),
                Http.post(url, webhook, "Authorization", WEBHOOK_TOKEN),
                Http.post(url, webhook, "Authorization", "Bearer " + Jwt.hs256("outra-chave", now, now + 600)),
                Http.post(url + "?token=errado", webhook));

        assertThat(answers).allSatisfy(r -> {
            assertProblem(r, 401, UNAUTHORIZED);
            assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"atende\"");
        });
        assertThat(column("select count(*) from messages")).containsExactly("0");
        assertThat(wakeDispatcher.getReceivedCounter()).isZero();
    }

    @Test
    void aBodyThatIsNotAWebhookIs400WithTheReason() throws Exception {
        adviseHandOffs();
        startCamel();

        assertProblem(postWebhook("não é json {"), 400, badRequest("webhook body is not valid JSON"));
        assertProblem(postWebhook("[1, 2]"), 400, badRequest("webhook body must be a JSON object"));
        assertProblem(postWebhook("{\"event\":\"messages.upsert\"}"), 400,
                badRequest("webhook body needs a non-blank string 'instance'"));
        assertProblem(postWebhook("{\"event\":\"messages.upsert\",\"instance\":\"loja\",\"data\":{\"key\":{}}}"), 400,
                badRequest("messages.upsert needs a non-blank string 'data.key.id'"));
        // A form-encoded body (curl -d sends that type) is a malformed webhook, not a 500: the webhook endpoints do not
        // turn it into a Map, and Vert.x hands such a body over without its bytes.
        for (String path : new String[]{"/webhooks/evolution", "/webhooks/evolution/messages-upsert"}) {
            assertProblem(Http.send("POST", baseUrl() + path, WEBHOOK_TOKEN, "{",
                    "Content-Type", "application/x-www-form-urlencoded"), 400, badRequest("webhook body is empty"));
        }
        assertThat(column("select count(*) from messages")).containsExactly("0");
    }

    static String badRequest(String detail) {
        return "{\"type\":\"about:blank\",\"title\":\"Bad Request\",\"status\":400,\"error\":\"bad_request\",\"detail\":\""
                + detail + "\"}";
    }

    @Test
    void storageDownIs503WithRetryAfterSoThatEvolutionRetries() throws Exception {
        adviseHandOffs();
        advise("intake-postgres", a -> a.weaveById("persist-before-ack").replace()
                .throwException(new StoreUnavailableException(new SQLException("down"))));
        startCamel();

        HttpResponse<String> answer = postWebhook(text("S1", "oi").json());

        assertProblem(answer, 503, "{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503,"
                + "\"error\":\"unavailable\",\"detail\":\"storage unavailable, retry later\"}");
        assertThat(answer.headers().firstValue("Retry-After")).hasValue("30");
        assertThat(wakeDispatcher.getReceivedCounter()).isZero();
    }

    @Test
    void whileShuttingDownTheAnswerIs503BeforeAnythingElseIsDone() throws Exception {
        adviseHandOffs();
        advise("ingest-evolution-webhook", a -> a.weaveById("intake-open").replace()
                .throwException(new IntakeGate.IntakeClosedException()));
        startCamel();

        // Not even authenticated: a closed intake answers the same to everyone.
        HttpResponse<String> answer = Http.post(baseUrl() + "/webhooks/evolution", text("S2", "oi").json());

        assertProblem(answer, 503, "{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503,"
                + "\"error\":\"unavailable\",\"detail\":\"shutting down, retry later\"}");
        assertThat(answer.headers().firstValue("Retry-After")).hasValue("10");
        assertThat(column("select count(*) from messages")).containsExactly("0");
    }

    @Test
    void anUnexpectedFailureIs500WithoutItsDetails() throws Exception {
        adviseHandOffs();
        advise("ingest-evolution-webhook", a -> a.weaveById("normalise-evolution-event").replace()
                .throwException(new IllegalStateException("parser state corrupted in io.atende.ingest")));
        startCamel();

        HttpResponse<String> answer = postWebhook(text("E1", "oi").json());

        assertProblem(answer, 500,
                "{\"type\":\"about:blank\",\"title\":\"Internal Server Error\",\"status\":500,\"error\":\"internal_error\"}");
        assertThat(answer.headers().firstValue("Retry-After")).isEmpty();
    }

    @Test
    void getIsNotAllowed() throws Exception {
        adviseHandOffs();
        startCamel();

        HttpResponse<String> answer = Http.get(baseUrl() + "/webhooks/evolution");

        // Vert.x answers this one itself (no route takes a GET there): no problem+json body.
        assertThat(answer.statusCode()).isEqualTo(405);
        assertThat(column("select count(*) from messages")).containsExactly("0");
    }
}

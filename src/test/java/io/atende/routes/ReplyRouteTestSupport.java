package io.atende.routes;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.atende.reply.OutboundMessage;
import io.atende.store.Sql;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.BeforeEach;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * reply-evolution.camel.yaml with Evolution's two HTTP calls (sendText, findMessages) replaced by mock endpoints, for
 * the reply-route test classes (one per set of settings): what Evolution answers, a batch sent and waited for, and
 * the attempts and dead letters it left.
 */
abstract class ReplyRouteTestSupport extends RouteTestSupport {

    private static final ObjectMapper JSON = new ObjectMapper();

    MockEndpoint sendText;
    MockEndpoint findMessages;

    /** One sendText attempt as delivery_attempts keeps it. */
    record Attempt(String outcome, Integer httpStatus) {
    }

    /** An open dead letter, as DeliveryStore.dead writes it. */
    record Letter(String reason, Integer lastHttpStatus, int attempts) {
    }

    /** Replaces both Evolution calls and starts; the test says what each answers before it delivers anything. */
    @BeforeEach
    void startWithEvolutionMocked() throws Exception {
        advise("evolution-send-text", a -> a.weaveById("post-send-text").replace().to("mock:evolution-send-text"));
        advise("reconcile-unconfirmed-send",
                a -> a.weaveById("post-find-messages").replace().to("mock:evolution-find-messages"));
        sendText = getMockEndpoint("mock:evolution-send-text");
        findMessages = getMockEndpoint("mock:evolution-find-messages");
        startCamel();
    }

    static Processor answer(int status, String body) {
        return e -> {
            e.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
            e.getMessage().setBody(body);
        };
    }

    /** sendText's 201 with the WhatsApp id of the message. */
    static Processor accepted(String waId) {
        return answer(201, "{\"key\":{\"remoteJid\":\"" + CONTACT + "\",\"fromMe\":true,\"id\":\"" + waId
                + "\"},\"status\":\"PENDING\"}");
    }

    /** Evolution's 500 in its error shape. */
    static Processor serverError() {
        return answer(500, "{\"status\":500,\"error\":\"Internal Server Error\"}");
    }

    /** The HTTP call fails in transport: the mock endpoint sets the exception on the exchange, as the HTTP client would. */
    static Processor failing(Exception e) {
        return x -> {
            throw e;
        };
    }

    /** findMessages' complete page of our messages to {@link #CONTACT}: one record with this id and text. */
    static Processor found(String waId, String text) {
        return answer(200, """
                {"messages":{"total":1,"pages":1,"currentPage":1,"records":[{"id":"r1","key":{"id":"%s",
                "fromMe":true,"remoteJid":"%s"},"messageType":"conversation","message":{"conversation":"%s"},
                "messageTimestamp":%d}]}}""".formatted(waId, CONTACT, text, Instant.now().getEpochSecond()));
    }

    /** findMessages' complete page without any message. */
    static Processor noneFound() {
        return answer(200, "{\"messages\":{\"total\":0,\"pages\":0,\"currentPage\":1,\"records\":[]}}");
    }

    /**
     * Hands the batch to delivery as the conversation route does and waits until the reply workers are done with it
     * (sent, reconciled or given up, retries included).
     */
    void deliver(OutboundMessage... batch) {
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("deliver-replies")
                .wereSentTo("direct:dispatch-conversations").whenCompleted(1).create();
        template.sendBody("direct:publish-replies-postgres", List.of(batch));
        assertThat(done.matches(10, TimeUnit.SECONDS)).as("the batch was delivered").isTrue();
    }

    /** An attempt that never got Evolution's answer (the gateway was killed while it waited), a minute ago. */
    void unconfirmedAttempt(OutboundMessage part) {
        execute("update messages set status = 'sending' where id = ?", part.id());
        execute("""
                insert into delivery_attempts (message_id, attempt, started_at)
                values (?, 1, now() - interval '1 minute')""", part.id());
    }

    String status(OutboundMessage m) {
        return value("select status from messages where id = ?", m.id());
    }

    String waMessageId(OutboundMessage m) {
        return value("select wa_message_id from messages where id = ?", m.id());
    }

    List<Attempt> attempts(OutboundMessage m) {
        return tx().inTransaction(c -> Sql.query(c, """
                select outcome, http_status from delivery_attempts where message_id = ? order by id""",
                rs -> new Attempt(rs.getString(1), (Integer) rs.getObject(2)), m.id()));
    }

    /** The part's one open dead letter (there must be exactly one). */
    Letter deadLetter(OutboundMessage m) {
        List<Letter> open = openDeadLetters(m);
        assertThat(open).as("open dead letters of part %d", m.id()).hasSize(1);
        return open.get(0);
    }

    List<Letter> openDeadLetters(OutboundMessage m) {
        return tx().inTransaction(c -> Sql.query(c, """
                select reason, last_http_status, attempts from dead_letters
                 where message_id = ? and replayed_at is null order by id""",
                rs -> new Letter(rs.getString(1), (Integer) rs.getObject(2), rs.getInt(3)), m.id()));
    }

    /** The texts sendText was asked to send, in order. */
    List<String> sentTexts() {
        return sendText.getReceivedExchanges().stream().map(e -> {
            try {
                return JSON.readTree(e.getMessage().getBody(String.class)).path("text").asText();
            } catch (Exception notJson) {
                throw new AssertionError("sendText body is not JSON", notJson);
            }
        }).toList();
    }
}

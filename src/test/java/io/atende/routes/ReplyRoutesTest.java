package io.atende.routes;

import io.atende.reply.OutboundMessage;
import org.apache.camel.Processor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * reply-evolution.camel.yaml: each branch of a part's delivery, with Evolution's HTTP API replaced by mocks. Three
 * attempts at most (atende.send.max-attempts in RouteTestSupport); reconcile mode {@code hold}. The other reconcile
 * mode and the send breaker need settings of their own: ReplyRoutesResendTest, ReplyRoutesBreakerTest.
 */
class ReplyRoutesTest extends ReplyRouteTestSupport {

    static final String TEXT = "Abrimos às 9h.";

    @Test
    void aPartAcceptedByEvolutionIsSent() {
        sendText.whenAnyExchangeReceived(accepted("WA1"));
        OutboundMessage part = storedPart(TEXT);

        deliver(part);

        assertThat(sendText.getReceivedExchanges()).singleElement().satisfies(e -> {
            assertThat(e.getMessage().getBody(String.class)).isEqualTo("{\"number\":\"5521987654321\",\"text\":\"Abrimos às 9h.\"}");
            assertThat(e.getMessage().getHeader("apikey")).isEqualTo("chave-evolution");
        });
        assertThat(status(part)).isEqualTo("sent");
        assertThat(waMessageId(part)).isEqualTo("WA1");
        assertThat(attempts(part)).containsExactly(new Attempt("accepted", 201));
        assertThat(findMessages.getReceivedCounter()).isZero();
        assertThat(openDeadLetters(part)).isEmpty();
    }

    @Test
    void aServerErrorIsRetriedAndTheNextAttemptSends() {
        sendText.whenExchangeReceived(1, serverError());
        sendText.whenExchangeReceived(2, accepted("WA2"));
        OutboundMessage part = storedPart(TEXT);

        deliver(part);

        assertThat(sentTexts()).containsExactly(TEXT, TEXT);
        assertThat(attempts(part)).containsExactly(new Attempt("retry", 500), new Attempt("accepted", 201));
        assertThat(status(part)).isEqualTo("sent");
        assertThat(waMessageId(part)).isEqualTo("WA2");
        assertThat(findMessages.getReceivedCounter()).isZero(); // Evolution answered: nothing to ask
    }

    @Test
    void aDisconnectedInstanceIsRetriedNotRejected() {
        // Evolution reports a disconnected number as 400 "Connection Closed": the number itself is fine.
        sendText.whenExchangeReceived(1, answer(400,
                "{\"status\":400,\"error\":\"Bad Request\",\"response\":{\"message\":[\"Connection Closed\"]}}"));
        sendText.whenExchangeReceived(2, accepted("WA3"));
        OutboundMessage part = storedPart(TEXT);

        deliver(part);

        assertThat(attempts(part)).containsExactly(new Attempt("retry", 400), new Attempt("accepted", 201));
        assertThat(status(part)).isEqualTo("sent");
        assertThat(openDeadLetters(part)).isEmpty();
    }

    @Test
    void aRequestThatNeverConnectedIsResentWithoutAskingEvolution() {
        sendText.whenExchangeReceived(1, failing(new ConnectException("Connection refused")));
        sendText.whenExchangeReceived(2, accepted("WA4"));
        OutboundMessage part = storedPart(TEXT);

        deliver(part);

        assertThat(attempts(part)).containsExactly(new Attempt("not_connected", null), new Attempt("accepted", 201));
        assertThat(value("select error from delivery_attempts where message_id = ? order by id limit 1", part.id()))
                .isEqualTo("ConnectException: Connection refused");
        assertThat(findMessages.getReceivedCounter()).isZero();
        assertThat(sentTexts()).hasSize(2);
        assertThat(status(part)).isEqualTo("sent");
    }

    @Test
    void aTimeoutAfterConnectingIsLookedUpAndFoundSentSoItIsNotSentTwice() {
        sendText.whenAnyExchangeReceived(failing(new SocketTimeoutException("Read timed out")));
        findMessages.whenAnyExchangeReceived(found("WA-FOUND", TEXT));
        OutboundMessage part = storedPart(TEXT);

        deliver(part);

        assertThat(sendText.getReceivedCounter()).isEqualTo(1);
        assertThat(findMessages.getReceivedExchanges()).singleElement().satisfies(e -> {
            assertThat(e.getMessage().getBody(String.class)).contains("\"remoteJid\":\"" + CONTACT + "\"")
                    .contains("\"fromMe\":true").contains("\"messageTimestamp\":{\"gte\":");
            assertThat(e.getMessage().getHeader("apikey")).isEqualTo("chave-evolution");
        });
        assertThat(attempts(part)).containsExactly(new Attempt("reconciled", null));
        assertThat(status(part)).isEqualTo("sent");
        assertThat(waMessageId(part)).isEqualTo("WA-FOUND");
        assertThat(conversationState(part.conversationId())).isEqualTo("idle");
    }

    @Test
    void anUnconfirmedAttemptEvolutionCarriedOutIsRecordedSentWithoutAnySendText() {
        findMessages.whenAnyExchangeReceived(found("WA-EARLIER", TEXT));
        OutboundMessage part = storedPart(TEXT);
        unconfirmedAttempt(part);

        deliver(part);

        assertThat(sendText.getReceivedCounter()).isZero();
        assertThat(findMessages.getReceivedCounter()).isEqualTo(1);
        assertThat(attempts(part)).containsExactly(new Attempt("reconciled", null));
        assertThat(status(part)).isEqualTo("sent");
        assertThat(waMessageId(part)).isEqualTo("WA-EARLIER");
    }

    @Test
    void anUnconfirmedAttemptEvolutionHasNoTraceOfIsSentAgain() {
        findMessages.whenAnyExchangeReceived(noneFound());
        sendText.whenAnyExchangeReceived(accepted("WA5"));
        OutboundMessage part = storedPart(TEXT);
        unconfirmedAttempt(part);

        deliver(part);

        assertThat(findMessages.getReceivedCounter()).isEqualTo(1);
        assertThat(sentTexts()).containsExactly(TEXT);
        assertThat(attempts(part)).containsExactly(new Attempt("lost", null), new Attempt("accepted", 201));
        assertThat(status(part)).isEqualTo("sent");
        assertThat(waMessageId(part)).isEqualTo("WA5");
    }

    static Stream<Arguments> findMessagesCannotTell() {
        return Stream.of(
                Arguments.of(serverError(), "Evolution API answered findMessages with HTTP 500: Internal Server Error"),
                Arguments.of(failing(new ConnectException("Connection refused")),
                        "Evolution API unreachable for findMessages: ConnectException: Connection refused"));
    }

    @ParameterizedTest
    @MethodSource("findMessagesCannotTell")
    void whileFindMessagesCannotTellThePartIsHeldNeverResentAndFinallyGivenUp(Processor evolution, String why) {
        findMessages.whenAnyExchangeReceived(evolution);
        OutboundMessage part = storedPart(TEXT);
        unconfirmedAttempt(part);

        deliver(part);

        assertThat(sendText.getReceivedCounter()).isZero();
        assertThat(findMessages.getReceivedCounter()).isEqualTo(3); // asked on each of the three attempts
        assertThat(attempts(part)).containsExactly(new Attempt("pending", null)); // a hold writes no attempt
        assertThat(status(part)).isEqualTo("dead");
        assertThat(deadLetter(part)).isEqualTo(new Letter(
                "unconfirmed earlier attempt, held until Evolution can tell whether it sent it (" + why + ")", null, 1));
    }

    @Test
    void anUnknownInstanceIsRejectedAtOnce() {
        sendText.whenAnyExchangeReceived(answer(404,
                "{\"status\":404,\"error\":\"Not Found\",\"response\":{\"message\":[\"The \\\"loja\\\" instance does not exist\"]}}"));
        OutboundMessage part = storedPart(TEXT);

        deliver(part);

        assertThat(sendText.getReceivedCounter()).isEqualTo(1);
        assertThat(attempts(part)).containsExactly(new Attempt("rejected", 404));
        assertThat(status(part)).isEqualTo("dead");
        assertThat(deadLetter(part).reason()).contains("HTTP 404").contains("instance does not exist");
        assertThat(deadLetter(part).lastHttpStatus()).isEqualTo(404);
        assertThat(deadLetter(part).attempts()).isEqualTo(1);
        // Given up is the end of the reply too: the conversation takes its next turn.
        assertThat(conversationState(part.conversationId())).isEqualTo("idle");
    }

    @Test
    void aNumberNotOnWhatsAppIsRejectedAtOnceWithTheNumberMasked() {
        sendText.whenAnyExchangeReceived(answer(400, """
                {"status":400,"error":"Bad Request","response":{"message":[{"jid":"5521987654321@s.whatsapp.net",
                "exists":false,"number":"5521987654321"}]}}"""));
        OutboundMessage part = storedPart(TEXT);

        deliver(part);

        assertThat(sendText.getReceivedCounter()).isEqualTo(1);
        assertThat(attempts(part)).containsExactly(new Attempt("rejected", 400));
        assertThat(deadLetter(part).reason()).contains("HTTP 400").contains("\"exists\":false").contains("5521*******21")
                .doesNotContain("5521987654321");
        assertThat(deadLetter(part).lastHttpStatus()).isEqualTo(400);
        assertThat(status(part)).isEqualTo("dead");
    }

    @Test
    void afterTheLastFailedAttemptThePartIsADeadLetter() {
        sendText.whenAnyExchangeReceived(serverError());
        OutboundMessage part = storedPart(TEXT);

        deliver(part);

        assertThat(sendText.getReceivedCounter()).isEqualTo(3);
        assertThat(attempts(part)).containsExactly(new Attempt("retry", 500), new Attempt("retry", 500),
                new Attempt("retry", 500));
        assertThat(status(part)).isEqualTo("dead");
        assertThat(deadLetter(part).reason()).contains("HTTP 500");
        assertThat(deadLetter(part).lastHttpStatus()).isEqualTo(500);
        assertThat(deadLetter(part).attempts()).isEqualTo(3);
        assertThat(conversationState(part.conversationId())).isEqualTo("idle");
    }

    @Test
    void partsAlreadySentOrGivenUpAreLeftAlone() {
        long conversation = conversation("replying");
        OutboundMessage sent = part(conversation, "answer", "Primeira parte.", "sent", 0, 2);
        OutboundMessage dead = part(conversation, "answer", "Segunda parte.", "dead", 1, 2);

        deliver(sent, dead);

        assertThat(sendText.getReceivedCounter()).isZero();
        assertThat(findMessages.getReceivedCounter()).isZero();
        assertThat(column("select outcome from delivery_attempts")).isEmpty();
        assertThat(column("select id from dead_letters")).isEmpty();
        assertThat(status(sent)).isEqualTo("sent");
        assertThat(status(dead)).isEqualTo("dead");
    }

    @Test
    void anAnswerGoesOutPartByPartInOrderAndThenFreesTheConversation() {
        for (int n = 1; n <= 3; n++) {
            sendText.whenExchangeReceived(n, accepted("WA-PART-" + n));
        }
        long conversation = conversation("replying");
        OutboundMessage first = part(conversation, "answer", "Parte um.", "ready", 0, 3);
        OutboundMessage second = part(conversation, "answer", "Parte dois.", "ready", 1, 3);
        OutboundMessage third = part(conversation, "answer", "Parte três.", "ready", 2, 3);

        deliver(first, second, third);

        assertThat(sentTexts()).containsExactly("Parte um.", "Parte dois.", "Parte três.");
        assertThat(column("select wa_message_id from messages where conversation_id = ? order by part_index", conversation))
                .containsExactly("WA-PART-1", "WA-PART-2", "WA-PART-3");
        assertThat(column("select status from messages where conversation_id = ?", conversation))
                .containsOnly("sent").hasSize(3);
        assertThat(conversationState(conversation)).isEqualTo("idle");
    }

    @Test
    void aNoticeLeavesTheConversationStateAlone() {
        sendText.whenAnyExchangeReceived(accepted("WA-NOTICE"));
        // The conversation is delivering an answer of its own; a notice (busy, media) never held it.
        long conversation = conversation("replying");
        OutboundMessage notice = part(conversation, "notice", "Estamos com muitos atendimentos agora.", "ready", 0, 1);

        deliver(notice);

        assertThat(status(notice)).isEqualTo("sent");
        assertThat(conversationState(conversation)).isEqualTo("replying");
    }
}

package io.atende.routes;

import io.atende.reply.OutboundMessage;
import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * reply-evolution.camel.yaml with a send breaker that opens after two failed calls: an attempt while it is open is
 * recorded as {@code breaker_open} without calling Evolution, and only the failing instance is held back.
 */
class ReplyRoutesBreakerTest extends ReplyRouteTestSupport {

    @Override
    protected Properties overrides() {
        return settings("atende.send.breaker.minimum-calls=2", "atende.send.breaker.window=2");
    }

    @Test
    void afterTwoFailuresTheNextAttemptFailsFastAndOtherInstancesStillSend() {
        sendText.whenExchangeReceived(1, serverError());
        sendText.whenExchangeReceived(2, answer(503, "<html>Bad Gateway</html>"));
        sendText.whenExchangeReceived(3, accepted("WA-OTHER"));
        OutboundMessage part = storedPart("Abrimos às 9h.");

        deliver(part);

        assertThat(sendText.getReceivedCounter()).isEqualTo(2);
        assertThat(attempts(part)).containsExactly(new Attempt("retry", 500), new Attempt("retry", 503),
                new Attempt("breaker_open", null));
        assertThat(status(part)).isEqualTo("dead");
        assertThat(deadLetter(part).reason()).isEqualTo("Evolution API send breaker for instance loja is open");

        OutboundMessage other = part(conversation("outra", CONTACT, "replying"), "answer", "Olá!", "ready", 0, 1);
        deliver(other);

        assertThat(sendText.getReceivedCounter()).isEqualTo(3);
        assertThat(attempts(other)).containsExactly(new Attempt("accepted", 201));
        assertThat(status(other)).isEqualTo("sent");
    }
}

package io.atende.routes;

import io.atende.reply.OutboundMessage;
import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** reply-evolution.camel.yaml with ATENDE_SEND_RECONCILE=resend: when Evolution cannot tell, the part is sent again. */
class ReplyRoutesResendTest extends ReplyRouteTestSupport {

    @Override
    protected Properties overrides() {
        return settings("atende.send.reconcile=resend");
    }

    @Test
    void whenFindMessagesFailsThePartIsSentAnyway() {
        findMessages.whenAnyExchangeReceived(serverError());
        sendText.whenAnyExchangeReceived(accepted("WA-RESENT"));
        OutboundMessage part = storedPart("Abrimos às 9h.");
        unconfirmedAttempt(part);

        deliver(part);

        assertThat(findMessages.getReceivedCounter()).isEqualTo(1);
        assertThat(sentTexts()).containsExactly("Abrimos às 9h."); // a duplicate is possible: the price of 'resend'
        assertThat(status(part)).isEqualTo("sent");
        assertThat(waMessageId(part)).isEqualTo("WA-RESENT");
        // Nobody knows what became of the earlier attempt: it stays unconfirmed, next to the accepted one.
        assertThat(attempts(part)).containsExactly(new Attempt("pending", null), new Attempt("accepted", 201));
        assertThat(openDeadLetters(part)).isEmpty();
    }
}

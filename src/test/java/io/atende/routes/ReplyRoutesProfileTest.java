package io.atende.routes;

import io.atende.profile.InstanceProfiles;
import io.atende.reply.DeliveryStore;
import io.atende.reply.EvolutionTarget;
import io.atende.reply.OutboundMessage;
import io.atende.support.Profiles;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * reply-evolution.camel.yaml with profiles: each number's Evolution base URL and key for sendText and findMessages,
 * resolved at every attempt, and nothing sent for a disabled number.
 */
class ReplyRoutesProfileTest extends ReplyRouteTestSupport {

    void profile(String instance, String json) {
        Profiles.write(tx(), instance, json);
        context.getRegistry().lookupByNameAndType("instanceProfiles", InstanceProfiles.class).invalidate();
    }

    @Test
    void aNumbersOwnEvolutionServerAndKeyAreUsedForSendText() {
        profile(INSTANCE, "{\"evolution\":{\"baseUrl\":\"http://evolution-2.local:9090/\",\"apiKey\":\"chave-da-loja\"}}");
        sendText.whenAnyExchangeReceived(accepted("WA-1"));
        OutboundMessage part = storedPart("Olá!");

        deliver(part);

        assertThat(status(part)).isEqualTo("sent");
        assertThat(sendText.getReceivedExchanges()).singleElement().satisfies(e -> {
            assertThat(e.getMessage().getHeader("apikey")).isEqualTo("chave-da-loja");
            EvolutionTarget target = e.getVariable("evolution", EvolutionTarget.class);
            assertThat(target.baseUrl()).isEqualTo("http://evolution-2.local:9090");
            assertThat(target.toString()).doesNotContain("chave-da-loja");
        });
    }

    @Test
    void aNumberWithoutItsOwnEvolutionUsesTheEnvironments() {
        sendText.whenAnyExchangeReceived(accepted("WA-2"));
        OutboundMessage part = storedPart("Olá!");

        deliver(part);

        assertThat(sendText.getReceivedExchanges()).singleElement().satisfies(e -> {
            assertThat(e.getMessage().getHeader("apikey")).isEqualTo("chave-evolution");
            assertThat(e.getVariable("evolution", EvolutionTarget.class).baseUrl()).isEqualTo("http://127.0.0.1:1");
        });
    }

    @Test
    void findMessagesAsksTheNumbersOwnServerWithItsKey() {
        profile(INSTANCE, "{\"evolution\":{\"baseUrl\":\"http://evolution-2.local:9090\",\"apiKey\":\"chave-da-loja\"}}");
        OutboundMessage part = storedPart("Olá de novo!");
        unconfirmedAttempt(part);
        findMessages.whenAnyExchangeReceived(found("WA-3", "Olá de novo!"));

        deliver(part);

        assertThat(status(part)).isEqualTo("sent");
        assertThat(sendText.getReceivedCounter()).isZero();
        assertThat(findMessages.getReceivedExchanges()).singleElement().satisfies(e -> {
            assertThat(e.getMessage().getHeader("apikey")).isEqualTo("chave-da-loja");
            assertThat(e.getVariable("evolution", EvolutionTarget.class).baseUrl()).isEqualTo("http://evolution-2.local:9090");
        });
    }

    @Test
    void aPartOfADisabledNumberIsNeverSentAndBecomesADeadLetter() {
        OutboundMessage part = storedPart("Resposta já guardada");
        long conversation = part.conversationId();
        profile(INSTANCE, "{\"enabled\":false}");

        deliver(part);

        assertThat(sendText.getReceivedCounter()).isZero();
        assertThat(findMessages.getReceivedCounter()).isZero();
        assertThat(status(part)).isEqualTo("dead");
        assertThat(attempts(part)).isEmpty();
        assertThat(deadLetter(part).reason()).isEqualTo(DeliveryStore.WITHHELD_DISABLED);
        // the conversation is free again: its next turn is not held by a reply that will never go
        assertThat(conversationState(conversation)).isEqualTo("idle");
    }

    @Test
    void aPartAlreadySentIsLeftAsItIsWhenItsNumberIsDisabled() {
        OutboundMessage part = part(conversation("replying"), "answer", "Enviada", "sent", 0, 1);
        profile(INSTANCE, "{\"enabled\":false}");

        deliver(part);

        assertThat(status(part)).isEqualTo("sent");
        assertThat(openDeadLetters(part)).isEmpty();
        assertThat(sendText.getReceivedCounter()).isZero();
    }
}

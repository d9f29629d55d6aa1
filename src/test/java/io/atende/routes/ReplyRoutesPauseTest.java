package io.atende.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.atende.profile.InstanceProfiles;
import io.atende.reply.OutboundMessage;
import io.atende.support.Profiles;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * reply-evolution.camel.yaml: the second and later parts of an answer go out with Evolution's {@code delay} (it shows
 * "digitando…" that long, then sends), proportional to the part's length by its number's {@code split.msPerChar} and
 * clamped to 0.5–4 s; the first part and notices go at once.
 */
class ReplyRoutesPauseTest extends ReplyRouteTestSupport {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The sendText bodies, in order. */
    List<JsonNode> bodies() {
        return sendText.getReceivedExchanges().stream().map(e -> {
            try {
                return JSON.readTree(e.getMessage().getBody(String.class));
            } catch (Exception notJson) {
                throw new AssertionError("sendText body is not JSON", notJson);
            }
        }).toList();
    }

    @Test
    void furtherPartsOfAnAnswerWaitInProportionToTheirLengthTheFirstAndNoticesDoNot() {
        sendText.whenAnyExchangeReceived(accepted("WA"));
        long conversation = conversation("replying");
        OutboundMessage notice = part(conversation, "notice", "Você é o n.º 2 na fila.", "ready", 0, 1);
        OutboundMessage first = part(conversation, "answer", "Primeira parte.", "ready", 0, 4);
        OutboundMessage second = part(conversation, "answer", "b".repeat(99) + ".", "ready", 1, 4);
        OutboundMessage shortOne = part(conversation, "answer", "Curta.", "ready", 2, 4);
        OutboundMessage longOne = part(conversation, "answer", "d".repeat(299) + ".", "ready", 3, 4);

        deliver(notice, first, second, shortOne, longOne);

        List<JsonNode> bodies = bodies();
        assertThat(bodies).extracting(b -> b.path("text").asText()).containsExactly(notice.text(), first.text(),
                second.text(), shortOne.text(), longOne.text());
        assertThat(bodies.get(0).has("delay")).as("a notice goes at once").isFalse();
        assertThat(bodies.get(1).has("delay")).as("the first part goes at once").isFalse();
        // ATENDE_SPLIT_MS_PER_CHAR 20: 100 chars are 2 s; 6 chars at least 0.5 s; 300 chars at most 4 s.
        assertThat(bodies.get(2).path("delay").asLong()).isEqualTo(2_000);
        assertThat(bodies.get(3).path("delay").asLong()).isEqualTo(500);
        assertThat(bodies.get(4).path("delay").asLong()).isEqualTo(4_000);
        assertThat(List.of(notice, first, second, shortOne, longOne)).allSatisfy(
                p -> assertThat(status(p)).isEqualTo("sent"));
    }

    @Test
    void theNumbersOwnMsPerCharIsReadWhenThePartIsSent() {
        sendText.whenAnyExchangeReceived(accepted("WA"));
        long conversation = conversation("replying");
        OutboundMessage first = part(conversation, "answer", "Primeira parte.", "ready", 0, 2);
        OutboundMessage second = part(conversation, "answer", "b".repeat(199) + ".", "ready", 1, 2);
        // Stored with the environment's split, sent after the number got its own.
        Profiles.write(tx(), INSTANCE, "{\"split\":{\"msPerChar\":7}}");
        context.getRegistry().lookupByNameAndType("instanceProfiles", InstanceProfiles.class).invalidate();

        deliver(first, second);

        List<JsonNode> bodies = bodies();
        assertThat(bodies).hasSize(2);
        assertThat(bodies.get(0).has("delay")).isFalse();
        assertThat(bodies.get(1).path("delay").asLong()).isEqualTo(1_400);
    }

    @Test
    void aResentFurtherPartWaitsAgain() {
        sendText.whenExchangeReceived(1, accepted("WA-1"));
        sendText.whenExchangeReceived(2, serverError());
        sendText.whenExchangeReceived(3, accepted("WA-2"));
        long conversation = conversation("replying");
        OutboundMessage first = part(conversation, "answer", "Primeira parte.", "ready", 0, 2);
        OutboundMessage second = part(conversation, "answer", "b".repeat(49) + ".", "ready", 1, 2);

        deliver(first, second);

        List<JsonNode> bodies = bodies();
        assertThat(bodies).extracting(b -> b.path("delay").asLong(0)).containsExactly(0L, 1_000L, 1_000L);
        assertThat(status(second)).isEqualTo("sent");
        assertThat(waMessageId(second)).isEqualTo("WA-2");
    }
}

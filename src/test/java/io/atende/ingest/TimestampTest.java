package io.atende.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** {@code messageTimestamp} in each shape it has been seen in. */
class TimestampTest {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final EvolutionWebhookParser parser = new EvolutionWebhookParser();

    private Instant sentAtWith(JsonNode timestamp) {
        ObjectNode tree = EvolutionFixtures.referenceTree("01-text-conversation.json");
        ObjectNode data = (ObjectNode) tree.path("data");
        if (timestamp == null) {
            data.remove("messageTimestamp");
        } else {
            data.set("messageTimestamp", timestamp);
        }
        return parser.parse(EvolutionFixtures.bytes(tree)).sentAt();
    }

    @Test
    void numberIsSeconds() {
        assertThat(sentAtWith(NODES.numberNode(1765377127L))).isEqualTo(Instant.ofEpochSecond(1765377127));
    }

    @Test
    void numericStringIsSeconds() {
        assertThat(sentAtWith(NODES.textNode("1765377127"))).isEqualTo(Instant.ofEpochSecond(1765377127));
    }

    @Test
    void lowHighObjectIsSeconds() {
        ObjectNode value = NODES.objectNode().put("low", 1765377127).put("high", 0).put("unsigned", true);

        assertThat(sentAtWith(value)).isEqualTo(Instant.ofEpochSecond(1765377127));
    }

    @Test
    void lowHighObjectWithHighBitsCombinesBothHalves() {
        // A millisecond value needs the high half, split into signed halves as protobufjs does.
        long millis = 1765377127123L;
        ObjectNode value = NODES.objectNode()
                .put("low", (int) millis).put("high", (int) (millis >>> 32)).put("unsigned", false);

        assertThat(sentAtWith(value)).isEqualTo(Instant.ofEpochMilli(millis));
    }

    @Test
    void valuesAboveTenToTheTwelveAreMillis() {
        assertThat(sentAtWith(NODES.numberNode(1765377127123L))).isEqualTo(Instant.ofEpochMilli(1765377127123L));
    }

    @Test
    void absentOrUnusableTimestampIsNull() {
        assertThat(sentAtWith(null)).isNull();
        assertThat(sentAtWith(NODES.textNode("yesterday"))).isNull();
        assertThat(sentAtWith(NODES.numberNode(0))).isNull();
    }
}

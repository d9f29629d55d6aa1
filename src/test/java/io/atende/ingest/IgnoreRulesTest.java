package io.atende.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.atende.ingest.InboundEvent.IgnoreReason;
import org.junit.jupiter.api.Test;

/** Which chats and senders the assistant must stay out of, and which rule wins when several apply. */
class IgnoreRulesTest {

    private final EvolutionWebhookParser parser = new EvolutionWebhookParser();

    @Test
    void newsletterPostIsIgnoredAsNewsletter() {
        InboundEvent event = parser.parse(EvolutionFixtures.variant("newsletter-post.json"));

        assertThat(event.ignoreReason()).isEqualTo(IgnoreReason.NEWSLETTER);
        assertThat(event.text()).isNull();
    }

    @Test
    void broadcastListIsIgnoredAsBroadcastList() {
        InboundEvent event = parser.parse(EvolutionFixtures.variant("broadcast-list-message.json"));

        assertThat(event.ignoreReason()).isEqualTo(IgnoreReason.BROADCAST_LIST);
    }

    @Test
    void groupRuleWinsOverFromMe() {
        ObjectNode tree = EvolutionFixtures.referenceTree("05-group-message.json");
        ((ObjectNode) tree.path("data").path("key")).put("fromMe", true);

        assertThat(parser.parse(EvolutionFixtures.bytes(tree)).ignoreReason()).isEqualTo(IgnoreReason.GROUP);
    }

    @Test
    void fromMeWinsOverReaction() {
        ObjectNode tree = EvolutionFixtures.referenceTree("07-reaction.json");
        ((ObjectNode) tree.path("data").path("key")).put("fromMe", true);

        assertThat(parser.parse(EvolutionFixtures.bytes(tree)).ignoreReason()).isEqualTo(IgnoreReason.FROM_ME);
    }

    @Test
    void ignoreCodesAreLowerCaseNames() {
        assertThat(IgnoreReason.GROUP.code()).isEqualTo("group");
        assertThat(IgnoreReason.STATUS_BROADCAST.code()).isEqualTo("status_broadcast");
        assertThat(IgnoreReason.OTHER_EVENT.code()).isEqualTo("other_event");
    }
}

package io.atende.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.atende.ingest.InboundEvent.IgnoreReason;
import io.atende.ingest.InboundEvent.Kind;
import org.junit.jupiter.api.Test;

/** The record refuses combinations that consumers could misread. */
class InboundEventTest {

    private static InboundEvent event(Kind kind, String text, IgnoreReason reason) {
        return new InboundEvent("acme-support", "messages.upsert", "ID1", "5531988776655@s.whatsapp.net",
                "5531988776655@s.whatsapp.net", "5531988776655@s.whatsapp.net", null, false, null,
                kind, text, "conversation", reason, null);
    }

    @Test
    void ignoredKindRequiresAReasonAndOnlyIgnoredHasOne() {
        assertThatThrownBy(() -> event(Kind.IGNORED, null, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> event(Kind.TEXT, "oi", IgnoreReason.GROUP))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void textKindRequiresText() {
        assertThatThrownBy(() -> event(Kind.TEXT, "  ", null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void convenienceMethodsFollowTheKind() {
        InboundEvent text = event(Kind.TEXT, "oi", null);
        InboundEvent media = event(Kind.MEDIA_WITHOUT_TEXT, null, null);
        InboundEvent ignored = event(Kind.IGNORED, null, IgnoreReason.PROTOCOL);

        assertThat(text.needsAnswer()).isTrue();
        assertThat(media.needsAnswer()).isFalse();
        assertThat(media.isMediaWithoutText()).isTrue();
        assertThat(ignored.isIgnored()).isTrue();
        assertThat(ignored.needsAnswer()).isFalse();
    }

    @Test
    void kindCodesAreLowerCase() {
        assertThat(Kind.MEDIA_WITHOUT_TEXT.code()).isEqualTo("media_without_text");
    }
}

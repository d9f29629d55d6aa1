package io.atende.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.atende.ingest.InboundEvent.IgnoreReason;
import io.atende.ingest.InboundEvent.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The real-shaped Evolution 2.3.7 payloads shared by the whole project. */
class SharedFixturesTest {

    private final EvolutionWebhookParser parser = new EvolutionWebhookParser();

    static List<Path> sharedFixtures() {
        return EvolutionFixtures.allReference();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sharedFixtures")
    void everySharedFixtureIsAMessageUpsertOfTheSameInstance(Path file) throws Exception {
        InboundEvent event = parser.parse(Files.readAllBytes(file));

        assertThat(event.instance()).isEqualTo("acme-support");
        assertThat(event.event()).isEqualTo("messages.upsert");
        assertThat(event.waMessageId()).isNotBlank();
        assertThat(event.contactJid()).isNotBlank();
        assertThat(event.sentAt()).isAfter(Instant.parse("2025-01-01T00:00:00Z"));
    }

    @Test
    void plainTextWithPhoneInBothJidsIsATextForThePhone() {
        InboundEvent event = parser.parse(EvolutionFixtures.reference("01-text-conversation.json"));

        assertThat(event).isEqualTo(new InboundEvent(
                "acme-support", "messages.upsert", "A5561E44C2A63682E4295B52F484C14E",
                "5521987654321@s.whatsapp.net", "5521987654321@s.whatsapp.net",
                "5521987654321@s.whatsapp.net", null, false, "Maria Souza",
                Kind.TEXT, "Olá! Vocês abrem amanhã?", "conversation", null,
                Instant.ofEpochSecond(1765377127)));
        assertThat(event.needsAnswer()).isTrue();
    }

    @Test
    void replyInPnModeRecordsTheLidFromRemoteJidAlt() {
        InboundEvent event = parser.parse(EvolutionFixtures.reference("02-reply-quoted-extendedText.json"));

        assertThat(event.contactJid()).isEqualTo("5531988776655@s.whatsapp.net");
        assertThat(event.phoneJid()).isEqualTo("5531988776655@s.whatsapp.net");
        assertThat(event.lidJid()).isEqualTo("118204461933712@lid");
        assertThat(event.chatJid()).isEqualTo("5531988776655@s.whatsapp.net");
        assertThat(event.kind()).isEqualTo(Kind.TEXT);
        assertThat(event.text()).isEqualTo("Pode ser às 15h, obrigado!");
    }

    @Test
    void imageCaptionIsText() {
        InboundEvent event = parser.parse(EvolutionFixtures.reference("03-image-caption.json"));

        assertThat(event.kind()).isEqualTo(Kind.TEXT);
        assertThat(event.text()).isEqualTo("Segue a foto do produto com defeito");
        assertThat(event.messageType()).isEqualTo("imageMessage");
        assertThat(event.needsAnswer()).isTrue();
    }

    @Test
    void voiceNoteWithoutTranscriptIsMediaWithoutText() {
        InboundEvent event = parser.parse(EvolutionFixtures.reference("04-audio-ptt.json"));

        assertThat(event.kind()).isEqualTo(Kind.MEDIA_WITHOUT_TEXT);
        assertThat(event.isMediaWithoutText()).isTrue();
        assertThat(event.isIgnored()).isFalse();
        assertThat(event.needsAnswer()).isFalse();
        assertThat(event.text()).isNull();
        assertThat(event.messageType()).isEqualTo("audioMessage");
        assertThat(event.contactJid()).isEqualTo("5521987654321@s.whatsapp.net");
    }

    @Test
    void groupMessageIsIgnoredAsGroup() {
        InboundEvent event = parser.parse(EvolutionFixtures.reference("05-group-message.json"));

        assertThat(event.kind()).isEqualTo(Kind.IGNORED);
        assertThat(event.ignoreReason()).isEqualTo(IgnoreReason.GROUP);
        assertThat(event.chatJid()).isEqualTo("120363401234567890@g.us");
        assertThat(event.contactJid()).isEqualTo("120363401234567890@g.us");
        assertThat(event.text()).isNull();
        assertThat(event.needsAnswer()).isFalse();
    }

    @Test
    void operatorMessageFromThePhoneIsIgnoredButKeepsContactAndText() {
        InboundEvent event = parser.parse(EvolutionFixtures.reference("06-fromme-from-phone.json"));

        assertThat(event.ignoreReason()).isEqualTo(IgnoreReason.FROM_ME);
        assertThat(event.isIgnored()).isTrue();
        assertThat(event.needsAnswer()).isFalse();
        assertThat(event.fromMe()).isTrue();
        assertThat(event.contactJid()).isEqualTo("5531988776655@s.whatsapp.net");
        assertThat(event.text()).isEqualTo("Oi João, aqui é a Ana do suporte. Já vou verificar.");
        assertThat(event.pushName()).isEqualTo("Acme Suporte");
    }

    @Test
    void reactionIsIgnoredAndItsEmojiIsNotText() {
        InboundEvent event = parser.parse(EvolutionFixtures.reference("07-reaction.json"));

        assertThat(event.ignoreReason()).isEqualTo(IgnoreReason.REACTION);
        assertThat(event.text()).isNull();
        assertThat(event.messageType()).isEqualTo("reactionMessage");
        assertThat(event.contactJid()).isEqualTo("5531988776655@s.whatsapp.net");
    }

    @Test
    void statusPostIsIgnoredAsStatusBroadcast() {
        InboundEvent event = parser.parse(EvolutionFixtures.reference("08-status-broadcast.json"));

        assertThat(event.ignoreReason()).isEqualTo(IgnoreReason.STATUS_BROADCAST);
        assertThat(event.chatJid()).isEqualTo("status@broadcast");
        assertThat(event.text()).isNull();
    }
}

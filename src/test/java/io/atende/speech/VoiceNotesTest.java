package io.atende.speech;

import io.atende.profile.EffectiveProfile;
import io.atende.profile.ProfileDefaults;
import io.atende.reply.OutboundMessage;
import io.atende.store.Sql;
import io.atende.support.AtendeMetrics;
import io.atende.support.MigratedDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Voice notes as durable work on a real PostgreSQL (V14): the claim of transcriptions within their slots and the
 * LLM's, the turn that waits for its transcript, the transcript in the note's place, leases and give-ups, and the
 * one ask-to-type notice per wait.
 */
class VoiceNotesTest {

    @RegisterExtension
    final MigratedDatabase db = new MigratedDatabase();

    static final ProfileDefaults DEFAULTS = new ProfileDefaults("persona", "mistral", 0.3, 512, 10, "", "", "", 0,
            "http://evolution:8080", "", ProfileDefaults.Quiet.NONE,
            new ProfileDefaults.Talk(true, new EffectiveProfile.Split(600, 4, 20), true, "Pode escrever?",
                    "Áudio longo demais."));

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    VoiceNotes notes(int sttSlots, int llmSlots, Duration lease, String owner) {
        return new VoiceNotes(db.tx(), new VoiceNotes.Settings(sttSlots, lease, 2, "[Áudio transcrito]"),
                () -> llmSlots, owner, i -> EffectiveProfile.defaults(i, DEFAULTS), new AtendeMetrics(meters), true);
    }

    long instance() {
        return db.tx().inTransaction(c -> {
            Long id = Sql.oneLong(c, "select id from instances where name = 'loja'");
            return id != null ? id : Sql.oneLong(c, "insert into instances (name) values ('loja') returning id");
        });
    }

    /** A conversation whose customer paused a while ago; its messages are added with {@link #in}. */
    long conversation(String contact) {
        long instance = instance();
        return db.tx().inTransaction(c -> Sql.oneLong(c, """
                insert into conversations (instance_id, contact_jid, waiting_since, last_inbound_at)
                values (?, ?, now() - interval '10 seconds', now() - interval '10 seconds') returning id""",
                instance, contact + "@s.whatsapp.net"));
    }

    long in(long conversation, String kind, String status, String text) {
        return db.tx().inTransaction(c -> Sql.oneLong(c, """
                insert into messages (instance_id, conversation_id, direction, wa_message_id, remote_jid, kind, text,
                                      status, media_seconds)
                values (?, ?, 'in', md5(random()::text), 'x@s.whatsapp.net', ?, ?, ?, ?) returning id""",
                instance(), conversation, kind, text, status, kind.equals("voice") ? 7 : null));
    }

    void answering(String contact) {
        long conv = conversation(contact);
        db.tx().inTransaction(c -> Sql.update(c, "update conversations set state = 'answering', waiting_since = null "
                + "where id = ?", conv));
    }

    /** atende_claim_turns as the dispatcher calls it: the conversations claimed, each with its texts. */
    List<List<String>> claimTurns(int slots) {
        return claimTurns(slots, 1);
    }

    List<List<String>> claimTurns(int slots, int sttSlots) {
        return db.tx().inTransaction(c -> Sql.query(c,
                "select texts from atende_claim_turns(?, 0, 60000, 'replica-a', 30000, 10, ?)",
                rs -> Arrays.asList((String[]) rs.getArray(1).getArray()), slots, sttSlots));
    }

    String row(long message) {
        return db.tx().inTransaction(c -> Sql.one(c, """
                select kind || '/' || status || '/' || coalesce(text, '-') || '/' || coalesce(failure_reason, '-')
                  from messages where id = ?""", rs -> rs.getString(1), message));
    }

    @Test
    void theTurnWaitsForTheTranscriptWhichTakesTheNotesPlaceAmongTheTexts() {
        long conv = conversation("5511900000001");
        in(conv, "text", "waiting", "oi");
        long voice = in(conv, "voice", "transcribing", null);
        in(conv, "text", "waiting", "é urgente");
        VoiceNotes notes = notes(1, 2, Duration.ofSeconds(60), "replica-a");

        assertThat(claimTurns(2)).as("a note still transcribing holds its conversation's turn back").isEmpty();
        List<VoiceNote> claimed = notes.claim();
        assertThat(claimed).singleElement().satisfies(n -> {
            assertThat(n.messageId()).isEqualTo(voice);
            assertThat(n.seconds()).isEqualTo(7);
            assertThat(n.attempt()).isEqualTo(1);
            assertThat(n.giveUp()).isFalse();
        });
        assertThat(notes.claim()).as("leased: not claimed twice").isEmpty();
        assertThat(claimTurns(2)).isEmpty();

        notes.transcribed(claimed.get(0), "Vocês abrem amanhã?");
        assertThat(row(voice)).isEqualTo("voice/waiting/Vocês abrem amanhã?/-");
        assertThat(claimTurns(2)).containsExactly(List.of("oi", "[Áudio transcrito] Vocês abrem amanhã?", "é urgente"));
        assertThat(meters.get("atende.voice.notes").tag("outcome", "transcribed").counter().count()).isEqualTo(1);
    }

    @Test
    void aTurnNeverTakesTheSlotANoteWaitingForItsTranscriptionMayTake() {
        answering("5511900000009");
        long a = conversation("5511900000001");
        long b = conversation("5511900000002");
        in(a, "voice", "transcribing", null);
        in(b, "text", "waiting", "oi");

        // two LLM slots, one answering: the free one is the note's, even when the turns are claimed first
        assertThat(claimTurns(2, 1)).isEmpty();
        assertThat(claimTurns(3, 1)).containsExactly(List.of("oi"));
        assertThat(notes(1, 3, Duration.ofSeconds(60), "replica-a").claim()).hasSize(1);
    }

    @Test
    void withoutSpeechToTextNoSlotIsKeptForNotes() {
        long a = conversation("5511900000001");
        long b = conversation("5511900000002");
        in(a, "voice", "transcribing", null);
        in(b, "text", "waiting", "oi");
        assertThat(claimTurns(1, 0)).containsExactly(List.of("oi"));
    }

    @Test
    void aTranscriptionHoldsOneOfTheLlmSlotsAndStaysWithinItsOwnCap() {
        answering("5511900000009");
        long a = conversation("5511900000001");
        long b = conversation("5511900000002");
        long c = conversation("5511900000003");
        long noteA = in(a, "voice", "transcribing", null);
        in(b, "voice", "transcribing", null);
        in(c, "text", "waiting", "oi");

        // two LLM slots, one answering: one free slot, and the transcription takes it first
        assertThat(notes(2, 2, Duration.ofSeconds(60), "replica-a").claim()).extracting(VoiceNote::messageId)
                .containsExactly(noteA);
        assertThat(claimTurns(2)).as("no slot left for a turn while the note is transcribed").isEmpty();
        assertThat(notes(2, 2, Duration.ofSeconds(60), "replica-b").claim()).as("nor for another note").isEmpty();
        // more LLM slots: the speech-to-text cap (1) still holds, the turn gets a slot
        assertThat(notes(1, 4, Duration.ofSeconds(60), "replica-b").claim()).isEmpty();
        assertThat(claimTurns(4)).containsExactly(List.of("oi"));
    }

    @Test
    void aNoteHeldByADeadReplicaIsTakenOverOnceThenGivenUpWithOneAskToType() throws Exception {
        long conv = conversation("5511900000001");
        long first = in(conv, "voice", "transcribing", null);
        long second = in(conv, "voice", "transcribing", null);
        VoiceNotes dying = notes(2, 4, Duration.ofMillis(1), "replica-a");

        assertThat(dying.claim()).extracting(VoiceNote::attempt).containsExactly(1, 1);
        Thread.sleep(5); // the 1 ms lease has passed: replica-a is taken for dead
        List<VoiceNote> again = notes(2, 4, Duration.ofMillis(1), "replica-b").claim();
        assertThat(again).extracting(VoiceNote::attempt).containsExactly(2, 2);
        dying.transcribed(new VoiceNote(first, conv, "loja", "5511900000001@s.whatsapp.net", "x", "id", 7, 1, false),
                "tarde demais");
        assertThat(row(first)).as("a replica that lost the note changes nothing").isEqualTo("voice/transcribing/-/-");
        Thread.sleep(5);

        VoiceNotes survivor = notes(2, 4, Duration.ofSeconds(60), "replica-c");
        List<VoiceNote> givenUp = survivor.claim();
        assertThat(givenUp).extracting(VoiceNote::giveUp).containsExactly(true, true);
        List<OutboundMessage> notices = survivor.givenUp(givenUp.get(0));
        assertThat(notices).singleElement().satisfies(n -> {
            assertThat(n.kind()).isEqualTo(VoiceNotes.VOICE_FAILED);
            assertThat(n.text()).isEqualTo("Pode escrever?");
        });
        assertThat(survivor.givenUp(givenUp.get(1))).as("one ask-to-type per wait").isEmpty();
        assertThat(row(first)).isEqualTo("media/noticed/-/stt_attempts");
        assertThat(row(second)).isEqualTo("media/ignored/-/stt_attempts");
        assertThat(survivor.claim()).isEmpty();
    }

    @Test
    void aFailureIsRecordedAsMediaWithItsReasonAndNeverClaimedAgain() {
        long conv = conversation("5511900000001");
        long voice = in(conv, "voice", "transcribing", null);
        VoiceNotes notes = notes(1, 2, Duration.ofSeconds(60), "replica-a");
        VoiceNote note = notes.claim().get(0);

        List<OutboundMessage> notices = notes.failed(note, new SpeechToTextException("stt_http_500", "HTTP 500"));

        assertThat(notices).extracting(OutboundMessage::text).containsExactly("Pode escrever?");
        assertThat(row(voice)).isEqualTo("media/noticed/-/stt_http_500");
        assertThat(notes.claim()).isEmpty();
        assertThat(notes.failed(note, new SpeechToTextException("stt_http_500", "again"))).as("failed once")
                .isEmpty();
        assertThat(meters.get("atende.voice.notes").tag("outcome", "failed").counter().count()).isEqualTo(2);
    }

    @Test
    void aTakeoverDuringTheTranscriptionKeepsTheNoteAsMediaForTheHuman() {
        long conv = conversation("5511900000001");
        long voice = in(conv, "voice", "transcribing", null);
        VoiceNotes notes = notes(1, 2, Duration.ofSeconds(60), "replica-a");
        VoiceNote note = notes.claim().get(0);

        db.tx().inTransaction(c -> io.atende.conversation.ConversationControl.human(c, conv,
                io.atende.conversation.ConversationControl.Reason.OPERATOR, java.time.Instant.now(),
                java.time.Instant.now().plusSeconds(600), null));
        notes.transcribed(note, "tarde demais");

        assertThat(row(voice)).isEqualTo("media/human/-/-");
        assertThat(claimTurns(2)).isEmpty();
        assertThat(meters.get("atende.voice.notes").tag("outcome", "superseded").counter().count()).isEqualTo(1);
    }
}

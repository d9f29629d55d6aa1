package io.atende.speech;

import io.atende.profile.EffectiveProfile;
import io.atende.reply.Notices;
import io.atende.reply.OutboundMessage;
import io.atende.store.Sql;
import io.atende.store.Transactions;
import io.atende.support.AtendeMetrics;
import io.atende.support.LogMask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntSupplier;

/**
 * Voice notes as durable work: which ones to transcribe now (across replicas, within the speech-to-text and the
 * LLM's slots), and what a transcript or a failure does to the conversation. See V14.
 */
public final class VoiceNotes {

    private static final Logger LOG = LoggerFactory.getLogger(VoiceNotes.class);

    /** Outbound kinds: the customer is asked to type, or told the note is too long. */
    public static final String VOICE_FAILED = "voice_failed";
    public static final String VOICE_TOO_LONG = "voice_too_long";

    /**
     * @param sttSlots     transcriptions in flight across replicas (ATENDE_STT_PARALLEL)
     * @param lease        how long a replica holds a claimed note: the transcription's timeout and a margin
     * @param maxAttempts  attempts per note; a further one only follows a replica that died holding the note
     * @param promptMarker put before the transcript in what the model reads
     */
    public record Settings(int sttSlots, Duration lease, int maxAttempts, String promptMarker) {
    }

    private final Transactions tx;
    private final Settings settings;
    private final IntSupplier llmSlots;
    private final String owner;
    private final Function<String, EffectiveProfile> profiles;
    private final AtendeMetrics metrics;
    private final boolean enabled;
    // when each note claimed here started, for atende_stt_request_seconds
    private final java.util.Map<Long, Long> started = new java.util.concurrent.ConcurrentHashMap<>();

    public VoiceNotes(Transactions tx, Settings settings, IntSupplier llmSlots, String owner,
                      Function<String, EffectiveProfile> profiles, AtendeMetrics metrics, boolean enabled) {
        this.tx = tx;
        this.settings = settings;
        this.llmSlots = llmSlots;
        this.owner = owner;
        this.profiles = profiles;
        this.metrics = metrics;
        this.enabled = enabled;
    }

    /**
     * At startup: the notes this replica held in its previous life (killed mid-transcription) are claimable again at
     * once, as their next attempt, instead of after their lease.
     *
     * @return how many
     */
    public int releaseOwnLeases() {
        if (!enabled) {
            return 0;
        }
        int n = tx.inTransaction(c -> Sql.update(c,
                "update messages set stt_until = null where status = 'transcribing' and stt_owner = ?", owner));
        if (n > 0) {
            LOG.info("{} voice note(s) interrupted by the last stop are transcribed again", n);
        }
        return n;
    }

    /** The notes to transcribe now, and those given up; nothing (and no query) while voice notes are off. */
    public List<VoiceNote> claim() {
        if (!enabled) {
            return List.of();
        }
        return tx.inTransaction(c -> {
            // A read without the claim's lock first: almost every round has no note waiting.
            if (!Sql.one(c, """
                    select exists (select 1 from messages where status = 'transcribing'
                                      and (stt_until is null or stt_until <= now()))""", rs -> rs.getBoolean(1))) {
                return List.of();
            }
            List<VoiceNote> notes = Sql.query(c, "select * from atende_claim_transcriptions(?, ?, ?, ?, ?)",
                    rs -> new VoiceNote(rs.getLong("message_id"), rs.getLong("conversation_id"),
                            rs.getString("instance"), rs.getString("contact_jid"), rs.getString("chat_jid"),
                            rs.getString("wa_message_id"), (Integer) rs.getObject("seconds"), rs.getInt("attempt"),
                            rs.getBoolean("give_up")),
                    settings.sttSlots(), llmSlots.getAsInt(), owner, settings.lease().toMillis(),
                    settings.maxAttempts());
            long now = System.nanoTime();
            notes.stream().filter(n -> !n.giveUp()).forEach(n -> started.put(n.messageId(), now));
            return notes;
        });
    }

    private void timed(VoiceNote note, boolean ok) {
        Long t = started.remove(note.messageId());
        if (t != null) {
            metrics.transcription(Duration.ofNanos(System.nanoTime() - t), ok);
        }
    }

    /**
     * The transcript joins the conversation as the customer's words, in the note's place: the message waits for its
     * turn like a typed text. A note that is no longer this replica's (its lease expired and another took it) is
     * left alone.
     */
    public void transcribed(VoiceNote note, String transcript) {
        boolean stored = tx.inTransaction(c -> {
            int n = Sql.update(c, """
                    update messages set text = ?, model_text = ?, status = 'waiting', stt_owner = null,
                           stt_until = null, updated_at = now()
                     where id = ? and status = 'transcribing' and stt_owner = ?""",
                    transcript, settings.promptMarker() + " " + transcript, note.messageId(), owner);
            if (n == 1) {
                Sql.update(c, "update conversations set waiting_since = coalesce(waiting_since, now()) where id = ?",
                        note.conversationId());
            }
            return n == 1;
        });
        timed(note, true);
        metrics.voiceNote(note.instance(), stored ? "transcribed" : "superseded");
        LOG.debug("Voice note {} of {} transcribed ({} chars)", note.messageId(), LogMask.jid(note.contactJid()),
                transcript.length());
    }

    /**
     * The note stays recorded as media, and the customer is asked to type: once per wait, however many of their
     * notes fail together. Never retried.
     *
     * @return the notice to deliver now (empty when none is due or the text is switched off)
     */
    public List<OutboundMessage> failed(VoiceNote note, Throwable error) {
        String reason = reason(note, error);
        String text = profiles.apply(note.instance()).texts().voiceFailed();
        List<OutboundMessage> notices = tx.inTransaction(c -> {
            boolean owed = !text.isEmpty() && Sql.one(c, """
                    select not exists (
                        select 1 from messages o
                         where o.conversation_id = ? and o.direction = 'out' and o.kind = ?
                           and o.id > coalesce((select max(a.id) from messages a
                                                 where a.conversation_id = ? and a.direction = 'out'
                                                   and a.kind = 'answer'), 0))""",
                    rs -> rs.getBoolean(1), note.conversationId(), VOICE_FAILED, note.conversationId());
            int n = Sql.update(c, """
                    update messages set kind = 'media', status = ?, ignore_reason = ?, failure_reason = ?,
                           stt_owner = null, stt_until = null, updated_at = now()
                     where id = ? and status = 'transcribing'""",
                    owed ? "noticed" : "ignored", owed ? null : VOICE_FAILED, reason, note.messageId());
            if (n == 0 || !owed) {
                return List.<OutboundMessage>of();
            }
            long instanceId = Sql.oneLong(c, "select instance_id from conversations where id = ?",
                    note.conversationId());
            return List.of(Notices.queue(c, instanceId, note.conversationId(), note.instance(), note.contactJid(),
                    VOICE_FAILED, text, note.messageId()));
        });
        timed(note, false);
        metrics.voiceNote(note.instance(), "failed");
        LOG.warn("Voice note {} of {} not transcribed ({}): {}", note.messageId(), LogMask.jid(note.contactJid()),
                reason, error == null ? "attempts used up" : error.getMessage());
        return notices;
    }

    /** A short code for the message's failure_reason: what went wrong, never the message's content. */
    static String reason(VoiceNote note, Throwable error) {
        if (error == null) {
            return note.giveUp() ? "stt_attempts" : "stt_unavailable";
        }
        if (error instanceof SpeechToTextException s) {
            return s.reason();
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            String type = t.getClass().getSimpleName();
            if (t instanceof java.util.concurrent.TimeoutException || type.contains("Timeout")) {
                return "stt_timeout";
            }
            if (type.equals("CallNotPermittedException")) {
                return "stt_breaker_open";
            }
            if (t instanceof java.io.IOException) {
                return "stt_unreachable";
            }
        }
        return "stt_unavailable";
    }

    /** A note whose attempts are used up (its replicas died holding it): as a failure. */
    public List<OutboundMessage> givenUp(VoiceNote note) {
        return failed(note, null);
    }
}

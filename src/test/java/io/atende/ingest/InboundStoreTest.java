package io.atende.ingest;

import io.atende.ingest.IngestOutcome.Status;
import io.atende.store.Sql;
import io.atende.support.MigratedDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one-round-trip ingest of customer texts (V7 {@code atende_ingest_text}) against a real PostgreSQL:
 * dedupe, LID alias lookup, and the busy notice decided from a count bounded by the smallest backlog that can
 * exceed the wait bound, with the customer's exact place in the queue.
 */
class InboundStoreTest {

    static final AtomicInteger IDS = new AtomicInteger();

    @RegisterExtension
    final MigratedDatabase db = new MigratedDatabase();

    final java.util.List<InboundStore> stores = new java.util.ArrayList<>();

    @AfterEach
    void close() {
        stores.forEach(s -> s.groupCommit().stop());
    }

    InboundStore store(double thresholdSeconds, double meanLlmSeconds) {
        InboundStore s = new InboundStore(db.tx(), "midia", new InboundStore.BusyNotice(thresholdSeconds,
                "Você é o n.º {position} na fila", () -> 1, () -> meanLlmSeconds), 64);
        stores.add(s);
        return s;
    }

    static InboundEvent text(String phone, String lid, String waId) {
        String contact = phone != null ? phone : lid;
        return new InboundEvent("loja", "messages.upsert", waId, contact, contact, phone, lid, false, "Ana",
                InboundEvent.Kind.TEXT, "oi", "conversation", null, Instant.parse("2026-11-25T10:00:00Z"));
    }

    static InboundEvent text(String phone) {
        return text(phone, null, "WA" + IDS.incrementAndGet());
    }

    static String phone(int n) {
        return "5511900000" + String.format("%03d", n) + "@s.whatsapp.net";
    }

    @Test
    void busyCountLimitIsTheSmallestBacklogThatCanExceedTheBound() {
        // (ahead + inFlight + 1) * mean / slots > threshold needs ahead >= floor(threshold * slots / mean)
        assertThat(InboundStore.busyCountLimit(60, 1, 2.0)).isEqualTo(30);
        assertThat(InboundStore.busyCountLimit(7, 1, 2.0)).isEqualTo(3);
        assertThat(InboundStore.busyCountLimit(7, 2, 2.0)).isEqualTo(7);
        assertThat(InboundStore.busyCountLimit(1, 1, 5.0)).isEqualTo(1);
        assertThat(InboundStore.busyCountLimit(60, 1, 0.0)).isZero();
        assertThat(InboundStore.busyCountLimit(1e12, 1, 1e-3)).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void acceptsOnceAndCountsTheDuplicate() {
        InboundStore store = store(60, 1);
        InboundEvent e = text(phone(1), null, "DUP1");
        IngestOutcome first = store.persist(e);
        IngestOutcome again = store.persist(e);
        assertThat(first.status()).isEqualTo(Status.ACCEPTED);
        assertThat(first.messageId()).isNotNull();
        assertThat(again.status()).isEqualTo(Status.DUPLICATE);
        assertThat(count("select count(*) from messages where wa_message_id = 'DUP1'")).isEqualTo(1);
        assertThat(count("select count(*) from conversations where waiting_since is not null")).isEqualTo(1);
    }

    @Test
    void lidOnlyMessageJoinsThePhoneConversationOnceTheAliasIsKnown() {
        InboundStore store = store(60, 1);
        String lid = "123456789012345@lid";
        assertThat(store.persist(text(phone(2), lid, "A1")).status()).isEqualTo(Status.ACCEPTED); // learns the alias
        assertThat(store.persist(text(null, lid, "A2")).status()).isEqualTo(Status.ACCEPTED);
        assertThat(count("select count(*) from conversations")).isEqualTo(1);
        assertThat(count("select count(*) from messages m join conversations c on c.id = m.conversation_id"
                + " where c.contact_jid = '" + phone(2) + "'")).isEqualTo(2);
    }

    @Test
    void busyNoticeOncePerWaitWithTheExactPlaceBeyondTheCountLimit() {
        // mean 2 s, bound 7 s, 1 slot: the notice is due from 3 conversations ahead (limit 3).
        InboundStore store = store(7, 2);
        for (int i = 1; i <= 3; i++) {
            assertThat(store.persist(text(phone(i))).notices()).as("conversation %d", i).isEmpty();
        }
        IngestOutcome fourth = store.persist(text(phone(4)));
        assertThat(fourth.notices()).singleElement().satisfies(n -> {
            assertThat(n.text()).isEqualTo("Você é o n.º 4 na fila");
            assertThat(n.contactJid()).isEqualTo(phone(4));
        });
        // Many more ahead than the count limit: the place is still exact.
        for (int i = 5; i <= 12; i++) {
            store.persist(text(phone(i)));
        }
        IngestOutcome later = store.persist(text(phone(13)));
        assertThat(later.notices()).singleElement().extracting(n -> n.text()).isEqualTo("Você é o n.º 13 na fila");
        // Once per wait.
        assertThat(store.persist(text(phone(13))).notices()).isEmpty();
        assertThat(count("select count(*) from messages where kind = 'notice'")).isEqualTo(10);
        assertThat(count("select count(*) from conversations where busy_noticed_at is not null")).isEqualTo(10);
    }

    @Test
    void busyNoticeCountsConversationsBeingAnsweredBelowTheCountLimit() throws Exception {
        InboundStore store = store(7, 2);
        store.persist(text(phone(1)));
        store.persist(text(phone(2)));
        // Nothing being answered: 2 ahead, (2 + 0 + 1) x 2 s = 6 s, no notice.
        assertThat(store.persist(text(phone(3))).notices()).isEmpty();
        db.tx().inTransaction(c -> Sql.update(c, "update conversations set state = 'answering', waiting_since = null"
                + " where contact_jid = ?", phone(1)));
        // 2 ahead (below the count limit of 3) and 1 being answered: (2 + 1 + 1) x 2 s = 8 s > 7 s.
        IngestOutcome fourth = store.persist(text(phone(4)));
        assertThat(fourth.notices()).singleElement().extracting(n -> n.text()).isEqualTo("Você é o n.º 3 na fila");
    }

    @Test
    void noBusyNoticeWithoutAMeasuredLlmTime() {
        InboundStore store = store(1, 0);
        for (int i = 1; i <= 5; i++) {
            assertThat(store.persist(text(phone(i))).notices()).isEmpty();
        }
        assertThat(count("select count(*) from messages where kind = 'notice'")).isZero();
    }

    static InboundEvent textOf(String instance, String phone, String waId) {
        return new InboundEvent(instance, "messages.upsert", waId, phone, phone, phone, null, false, "Ana",
                InboundEvent.Kind.TEXT, "oi", "conversation", null, Instant.parse("2026-11-25T10:00:00Z"));
    }

    @Test
    void eachNumbersOwnBusyNoticeAndNoneForANumberWhoseTextIsEmpty() {
        // mean 2 s, bound 1 s: every text is noticed, with its own number's text.
        InboundStore store = store(1, 2);
        store.profilesFrom(instance -> io.atende.support.Profiles.effective(instance, switch (instance) {
            case "padaria" -> "{\"texts\":{\"busy\":\"Padaria: você é o {position}º\",\"media\":\"m\"}}";
            case "muda" -> "{\"texts\":{\"busy\":\"\",\"media\":\"m\"}}";
            default -> "{\"texts\":{\"busy\":\"Você é o n.º {position} na fila\",\"media\":\"m\"}}";
        }));

        IngestOutcome bakery = store.persist(textOf("padaria", phone(1), "B1"));
        IngestOutcome silent = store.persist(textOf("muda", phone(2), "B2"));
        IngestOutcome other = store.persist(textOf("loja", phone(3), "B3"));

        assertThat(bakery.notices()).singleElement().extracting(n -> n.text()).isEqualTo("Padaria: você é o 1º");
        assertThat(silent.status()).isEqualTo(Status.ACCEPTED);
        assertThat(silent.notices()).isEmpty();
        assertThat(other.notices()).singleElement().extracting(n -> n.text()).isEqualTo("Você é o n.º 3 na fila");
    }

    @Test
    void eachNumbersOwnMediaNoticeAndNoneWhenItIsEmpty() {
        InboundStore store = store(60, 1);
        store.profilesFrom(instance -> io.atende.support.Profiles.effective(instance,
                "{\"texts\":{\"busy\":\"\",\"media\":\"" + (instance.equals("muda") ? "" : "Só texto na " + instance)
                        + "\"}}"));
        InboundEvent audio = new InboundEvent("padaria", "messages.upsert", "M1", phone(1), phone(1), phone(1), null,
                false, "Ana", InboundEvent.Kind.MEDIA_WITHOUT_TEXT, null, "audioMessage", null, null);
        InboundEvent mute = new InboundEvent("muda", "messages.upsert", "M2", phone(1), phone(1), phone(1), null,
                false, "Ana", InboundEvent.Kind.MEDIA_WITHOUT_TEXT, null, "audioMessage", null, null);

        IngestOutcome noticed = store.persist(audio);
        IngestOutcome ignored = store.persist(mute);

        assertThat(noticed.status()).isEqualTo(Status.NOTICED);
        assertThat(noticed.notices()).singleElement().extracting(n -> n.text()).isEqualTo("Só texto na padaria");
        assertThat(ignored.status()).isEqualTo(Status.IGNORED);
        assertThat(ignored.reason()).isEqualTo(InboundStore.MEDIA_NOT_ANSWERED);
    }

    static InboundEvent voice(String instance, String waId, int seconds) {
        return new InboundEvent(instance, "messages.upsert", waId, phone(1), phone(1), phone(1), null, false, "Ana",
                InboundEvent.Kind.MEDIA_WITHOUT_TEXT, null, "audioMessage", null, null, seconds);
    }

    @Test
    void withSpeechToTextAVoiceNoteWaitsForItsTranscriptUnlessTooLongOrTheNumberSaysNo() {
        InboundStore store = store(60, 1);
        store.voiceNotes(true, 120);
        store.profilesFrom(instance -> io.atende.support.Profiles.effective(instance, instance.equals("sem-voz")
                ? "{\"voice\":{\"enabled\":false},\"texts\":{\"media\":\"Só texto.\"}}"
                : "{\"texts\":{\"voiceTooLong\":\"Até {seconds} s, por favor.\"}}"));

        IngestOutcome waiting = store.persist(voice("loja", "V1", 9));
        IngestOutcome tooLong = store.persist(voice("loja", "V2", 121));
        IngestOutcome media = store.persist(voice("sem-voz", "V3", 9));

        assertThat(waiting.status()).isEqualTo(Status.ACCEPTED);
        assertThat(waiting.notices()).isEmpty();
        assertThat(count("select count(*) from messages where wa_message_id = 'V1' and kind = 'voice'"
                + " and status = 'transcribing' and media_seconds = 9 and text is null")).isEqualTo(1);
        assertThat(count("select count(*) from conversations c join instances i on i.id = c.instance_id"
                + " where i.name = 'loja' and c.waiting_since is not null")).isEqualTo(1);
        assertThat(tooLong.status()).isEqualTo(Status.NOTICED);
        assertThat(tooLong.notices()).singleElement().satisfies(n -> {
            assertThat(n.kind()).isEqualTo(InboundStore.VOICE_TOO_LONG);
            assertThat(n.text()).isEqualTo("Até 120 s, por favor.");
        });
        assertThat(count("select count(*) from messages where wa_message_id = 'V2' and kind = 'media'"
                + " and status = 'noticed'")).isEqualTo(1);
        assertThat(media.status()).isEqualTo(Status.NOTICED);
        assertThat(media.notices()).singleElement().extracting(n -> n.text()).isEqualTo("Só texto.");

        InboundStore off = store(60, 1);
        off.profilesFrom(instance -> io.atende.support.Profiles.effective(instance, "{}"));
        assertThat(off.persist(voice("loja", "V4", 9)).status()).as("no ATENDE_STT_URL: the media notice")
                .isEqualTo(Status.NOTICED);
    }

    @Test
    void aMessageTheProfileScreenedOutIsStoredInItsConversationWithItsText() {
        InboundStore store = store(60, 1);
        InboundEvent screened = textOf("loja", phone(1), "S1").ignoredBecause(InboundEvent.IgnoreReason.NO_TRIGGER);

        IngestOutcome outcome = store.persist(screened);

        assertThat(outcome.status()).isEqualTo(Status.IGNORED);
        assertThat(outcome.reason()).isEqualTo("no_trigger");
        assertThat(outcome.notices()).isEmpty();
        assertThat(count("select count(*) from messages m join conversations c on c.id = m.conversation_id"
                + " where m.text = 'oi' and m.ignore_reason = 'no_trigger' and c.contact_jid = '" + phone(1) + "'"))
                .isEqualTo(1);
        assertThat(count("select count(*) from conversations where waiting_since is not null")).isZero();
    }

    long count(String sql) {
        return db.tx().inTransaction(c -> Sql.oneLong(c, sql));
    }

    // ---- group commit: a batch of webhooks in one transaction (what concurrent webhooks share)

    java.util.List<IngestOutcome> batch(InboundStore store, InboundEvent... events) {
        return db.tx().inTransaction(c -> store.persistAll(c, java.util.List.of(events)));
    }

    @Test
    void aBatchGivesEachWebhookItsOwnOutcomeInOrder() {
        InboundStore store = store(60, 1);
        InboundEvent first = text(phone(1), null, "B1");
        InboundEvent media = new InboundEvent("loja", "messages.upsert", "B2", phone(2), phone(2), phone(2), null,
                false, "Bia", InboundEvent.Kind.MEDIA_WITHOUT_TEXT, null, "audioMessage", null,
                Instant.parse("2026-11-25T10:00:00Z"));
        InboundEvent sameContact = text(phone(1), null, "B3");
        InboundEvent again = text(phone(1), null, "B1"); // Evolution's retry of the first, in the same batch
        java.util.List<IngestOutcome> out = batch(store, first, media, sameContact, again);
        assertThat(out).extracting(IngestOutcome::status)
                .containsExactly(Status.ACCEPTED, Status.NOTICED, Status.ACCEPTED, Status.DUPLICATE);
        assertThat(out.get(0).messageId()).isLessThan(out.get(2).messageId()); // arrival order kept
        assertThat(count("select count(*) from messages where direction = 'in'")).isEqualTo(3);
        assertThat(count("select count(*) from conversations")).isEqualTo(2);
    }

    @Test
    void aBatchKeepsTheBusyNoticeOncePerWait() {
        // mean 2 s, bound 7 s, 1 slot: due from 3 conversations ahead.
        InboundStore store = store(7, 2);
        for (int i = 1; i <= 3; i++) {
            store.persist(text(phone(i)));
        }
        java.util.List<IngestOutcome> out = batch(store, text(phone(4)), text(phone(4)), text(phone(5)));
        assertThat(out.get(0).notices()).singleElement().extracting(n -> n.text()).isEqualTo("Você é o n.º 4 na fila");
        assertThat(out.get(1).notices()).as("same conversation, same wait").isEmpty();
        assertThat(out.get(2).notices()).singleElement().extracting(n -> n.text()).isEqualTo("Você é o n.º 5 na fila");
        assertThat(count("select count(*) from messages where kind = 'notice'")).isEqualTo(2);
    }

    @Test
    void aBatchCountsTheBacklogOnceAndStillNoticesTheTextThatCrossesTheBound() {
        // mean 2 s, bound 7 s, 1 slot: due from 3 conversations ahead. One waits; the batch brings three more.
        InboundStore store = store(7, 2);
        store.persist(text(phone(1)));
        java.util.List<IngestOutcome> out = batch(store, text(phone(2)), text(phone(3)), text(phone(4)));
        assertThat(out.get(0).notices()).isEmpty();
        assertThat(out.get(1).notices()).isEmpty();
        assertThat(out.get(2).notices()).singleElement().extracting(n -> n.text()).isEqualTo("Você é o n.º 4 na fila");
        // A batch that cannot reach the bound, even counting itself, skips the per-text count and notices nobody.
        InboundStore roomy = store(60, 2);
        assertThat(batch(roomy, text(phone(5)), text(phone(6)))).allSatisfy(o -> assertThat(o.notices()).isEmpty());
    }

    @Test
    void concurrentWebhooksAreCommittedTogetherAndEachOnce() throws Exception {
        InboundStore store = store(60, 1);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            java.util.List<java.util.concurrent.Future<IngestOutcome>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 400; i++) {
                // 200 distinct messages, each delivered twice (Evolution's retries racing the original)
                InboundEvent e = text(phone(i % 50), null, "C" + (i % 200));
                results.add(pool.submit(() -> store.persist(e)));
            }
            long accepted = 0;
            long duplicates = 0;
            for (var r : results) {
                Status s = r.get(30, java.util.concurrent.TimeUnit.SECONDS).status();
                accepted += s == Status.ACCEPTED ? 1 : 0;
                duplicates += s == Status.DUPLICATE ? 1 : 0;
            }
            assertThat(accepted).isEqualTo(200);
            assertThat(duplicates).isEqualTo(200);
            assertThat(count("select count(*) from messages where direction = 'in'")).isEqualTo(200);
            assertThat(count("select count(*) from conversations")).isEqualTo(50);
            assertThat(store.groupCommit().units()).isEqualTo(400);
        } finally {
            pool.shutdownNow();
        }
    }

    static InboundEvent operator(String phone, String waId, String text) {
        return new InboundEvent("loja", "messages.upsert", waId, phone, phone, phone, null, true, "Loja",
                InboundEvent.Kind.IGNORED, text, "conversation", InboundEvent.IgnoreReason.FROM_ME, null);
    }

    @Test
    void theOperatorTypingHandsTheConversationToAHumanAndAWaitingMessageIsNotAnswered() {
        InboundStore store = store(60, 1);
        store.persist(text(phone(40), null, "Q1"));
        IngestOutcome typed = store.persist(operator(phone(40), "OP1", "já te respondo"));
        assertThat(typed.status()).isEqualTo(Status.IGNORED);
        assertThat(typed.reason()).isEqualTo("from_me");
        assertThat(typed.changes()).containsExactly(new IngestOutcome.Change(IngestOutcome.Change.Kind.HANDOFF, "operator"));
        assertThat(count("select count(*) from messages where wa_message_id = 'Q1' and status = 'human'")).isEqualTo(1);
        assertThat(count("select count(*) from conversations where waiting_since is not null")).isZero();

        IngestOutcome during = store.persist(text(phone(40), null, "Q2"));
        assertThat(during.status()).isEqualTo(Status.HELD);
        assertThat(during.reason()).isEqualTo("human");
        assertThat(during.queuedForAnswer()).isFalse();
        // a second operator message extends the pause: no new handoff
        assertThat(store.persist(operator(phone(40), "OP2", "pronto")).changes()).isEmpty();

        IngestOutcome resume = store.persist(operator(phone(40), "OP3", "#Bot"));
        assertThat(resume.reason()).isEqualTo(InboundStore.OPERATOR_RESUME);
        assertThat(resume.changes()).extracting(IngestOutcome.Change::kind)
                .containsExactly(IngestOutcome.Change.Kind.RESUMED);
        assertThat(store.persist(text(phone(40), null, "Q3")).status()).isEqualTo(Status.ACCEPTED);
    }

    @Test
    void theEchoOfAReplyBeingSentIsNotTheOperator() {
        InboundStore store = store(60, 1);
        store.persist(text(phone(41), null, "E1"));
        db.tx().inTransaction(c -> io.atende.store.Sql.update(c, """
                insert into messages (instance_id, conversation_id, direction, kind, text, status, part_index, part_count)
                select instance_id, id, 'out', 'answer', 'Olá! Temos sim.', 'sending', 0, 1 from conversations"""));
        IngestOutcome echo = store.persist(operator(phone(41), "ECHO1", "Olá! Temos sim."));
        assertThat(echo.reason()).isEqualTo(InboundStore.OWN_REPLY);
        assertThat(echo.changes()).isEmpty();
        assertThat(count("select count(*) from conversations where human_until is not null")).isZero();
    }
}

package io.atende.conversation;

import io.atende.reply.ReplySplitter;
import io.atende.store.Sql;
import io.atende.support.MigratedDatabase;
import io.atende.support.Profiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The claim (V11's atende_claim_turns) honours each number's own debounceMs, enabled and historyTurns, and the
 * fallback text of a failed turn is the number's own. The instants are written relative to now() in the database, so
 * no assertion depends on how long the test takes.
 */
class ProfileClaimTest {

    @RegisterExtension
    final MigratedDatabase db = new MigratedDatabase();

    ConversationQueue queue(Duration debounce) {
        var settings = new ConversationQueue.Settings(debounce, Duration.ofMinutes(10), Duration.ofMillis(100),
                Duration.ofSeconds(1), "Fallback do ambiente", true, 10);
        return new ConversationQueue(db.tx(), settings, instance -> new ReplySplitter(4096, 4), () -> 8,
                new ConversationQueue.Lease("replica-a", Duration.ofSeconds(30)));
    }

    /** A conversation whose last customer message came {@code quietMs} ago. */
    long waiting(String instanceName, String contact, long quietMs) {
        return db.tx().inTransaction(c -> {
            Long known = Sql.oneLong(c, "select id from instances where name = ?", instanceName);
            long instance = known != null ? known
                    : Sql.oneLong(c, "insert into instances (name) values (?) returning id", instanceName);
            long conv = Sql.oneLong(c, """
                    insert into conversations (instance_id, contact_jid, waiting_since, last_inbound_at)
                    values (?, ?, now() - ? * interval '1 millisecond', now() - ? * interval '1 millisecond')
                    returning id""", instance, contact, quietMs, quietMs);
            Sql.update(c, """
                    insert into messages (instance_id, conversation_id, direction, wa_message_id, kind, text, status)
                    values (?, ?, 'in', ?, 'text', 'oi', 'waiting')""", instance, conv, contact + "-1");
            return conv;
        });
    }

    void quiet(long conversation, long quietMs) {
        db.tx().inTransaction(c -> Sql.update(c,
                "update conversations set last_inbound_at = now() - ? * interval '1 millisecond' where id = ?",
                quietMs, conversation));
    }

    static List<Long> ids(List<ClaimedTurn> turns) {
        return turns.stream().map(ClaimedTurn::conversationId).toList();
    }

    @Test
    void eachNumberWaitsItsOwnDebounce() {
        Profiles.write(db.tx(), "paciente", "{\"debounceMs\":60000}");
        Profiles.write(db.tx(), "apressada", "{\"debounceMs\":0}");
        ConversationQueue queue = queue(Duration.ofSeconds(5));
        long patient = waiting("paciente", "a@s.whatsapp.net", 10_000);
        long hurried = waiting("apressada", "b@s.whatsapp.net", 0);
        long environment = waiting("sem-perfil", "c@s.whatsapp.net", 10_000);

        // 10 s of quiet: enough for the environment's 5 s, not for the patient number's 60 s; 0 s is enough for 0.
        assertThat(ids(queue.claimReady())).containsExactlyInAnyOrder(hurried, environment);

        quiet(patient, 61_000);
        assertThat(ids(queue.claimReady())).containsExactly(patient);
    }

    @Test
    void aDisabledNumbersWaitingMessagesAreNotClaimedUntilItIsEnabledAgain() {
        Profiles.write(db.tx(), "desligada", "{\"enabled\":false}");
        ConversationQueue queue = queue(Duration.ZERO);
        long off = waiting("desligada", "a@s.whatsapp.net", 1000);

        assertThat(queue.claimReady()).isEmpty();

        Profiles.write(db.tx(), "desligada", "{\"enabled\":true}");
        assertThat(ids(queue.claimReady())).containsExactly(off);
    }

    @Test
    void theFallbackOfAFailedTurnIsTheNumbersOwnTextAndNoneWhenItIsEmpty() {
        ConversationQueue queue = queue(Duration.ZERO);
        queue.fallbackTexts(instance -> switch (instance) {
            case "padaria" -> "A padaria já responde!";
            case "muda" -> "";
            default -> "Fallback do ambiente";
        });
        waiting("padaria", "a@s.whatsapp.net", 1000);
        waiting("muda", "b@s.whatsapp.net", 1000);
        List<ClaimedTurn> turns = queue.claimReady();
        assertThat(turns).hasSize(2);

        for (ClaimedTurn turn : turns) {
            var notices = queue.llmFailed(turn, new IllegalStateException("LLM down"));
            if (turn.instance().equals("padaria")) {
                assertThat(notices).singleElement().satisfies(n -> assertThat(n.text()).isEqualTo("A padaria já responde!"));
            } else {
                assertThat(notices).isEmpty();
            }
        }
    }
}

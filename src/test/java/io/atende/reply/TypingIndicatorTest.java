package io.atende.reply;

import io.atende.conversation.ClaimedTurn;
import io.atende.profile.EffectiveProfile;
import io.atende.support.Profiles;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** Who types, when each conversation's next presence is due, and that nothing outlives its turn. */
class TypingIndicatorTest {

    static final ClaimedTurn SHOP_TURN = turn(7, "loja", "5521987654321@s.whatsapp.net");
    static final TypingTarget SHOP = new TypingTarget(7, "loja", "5521987654321@s.whatsapp.net");

    final MovableClock clock = new MovableClock();
    /** Refresh 15 s, LLM timeout 120 s: a turn types for at most 135 s, an answer is awaited 25 s. */
    final TypingIndicator typing = indicator(i -> Profiles.effective(i, "{}"));

    TypingIndicator indicator(Function<String, EffectiveProfile> profiles) {
        return new TypingIndicator(profiles, TypingIndicator.Settings.of(15, 120), clock);
    }

    static ClaimedTurn turn(long conversation, String instance, String contact) {
        return new ClaimedTurn(conversation, 1, instance, contact, List.of(1L), List.of("oi"), List.of());
    }

    @Test
    void theFirstPresenceGoesAtTheStartAndTheNextOnlyOnceItAnsweredAndTheRefreshPassed() {
        assertThat(start(typing, SHOP_TURN)).isEqualTo(SHOP);
        assertThat(typing.isTyping(7)).isTrue();

        clock.advance(Duration.ofSeconds(20));
        assertThat(typing.due()).as("the first one has not answered yet").isEmpty();

        clock.advance(Duration.ofSeconds(-5)); // answered after 15 s (its delay): due at once
        typing.presenceEnded(SHOP);
        assertThat(typing.due()).containsExactly(SHOP);
        assertThat(typing.due()).as("in flight again").isEmpty();

        clock.advance(Duration.ofSeconds(1));
        typing.presenceEnded(SHOP); // a fast failure: the next waits for the refresh all the same
        clock.advance(Duration.ofSeconds(13));
        assertThat(typing.due()).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(typing.due()).containsExactly(SHOP);
    }

    @Test
    void aStoppedTurnSendsNothingMoreAndIsForgottenOnceItsLastPresenceAnswered() {
        start(typing, SHOP_TURN);
        typing.stop(SHOP_TURN.conversationId());

        assertThat(typing.isTyping(7)).isFalse();
        assertThat(typing.size()).as("its presence is still in flight").isEqualTo(1);
        clock.advance(Duration.ofSeconds(30));
        assertThat(typing.due()).isEmpty();
        typing.presenceEnded(SHOP);
        assertThat(typing.size()).isZero();

        ClaimedTurn other = turn(8, "loja", "5521900000000@s.whatsapp.net");
        start(typing, other);
        typing.presenceEnded(new TypingTarget(8, "loja", "5521900000000@s.whatsapp.net"));
        typing.stop(other.conversationId());
        assertThat(typing.size()).as("nothing in flight: forgotten at once").isZero();
    }

    @Test
    void theNextTurnOfAConversationWaitsForThePreviousTurnsLastPresence() {
        start(typing, SHOP_TURN);
        clock.advance(Duration.ofSeconds(3));
        typing.stop(SHOP_TURN.conversationId()); // answered after 3 s; its presence runs 12 s more, then sends "paused"

        clock.advance(Duration.ofSeconds(4));
        assertThat(start(typing, SHOP_TURN)).as("its composing would be undone by that paused").isNull();
        assertThat(typing.isTyping(7)).isTrue();
        clock.advance(Duration.ofSeconds(8));
        typing.presenceEnded(SHOP);
        assertThat(typing.due()).containsExactly(SHOP);
    }

    @Test
    void numbersWithTypingOffOrDisabledNeverType() {
        Map<String, String> profiles = Map.of("quieta", "{\"typing\":false}", "parada", "{\"enabled\":false}",
                "loja", "{}");
        TypingIndicator byProfile = indicator(i -> Profiles.effective(i, profiles.get(i)));

        assertThat(start(byProfile, turn(1, "quieta", "5521900000001@s.whatsapp.net"))).isNull();
        assertThat(start(byProfile, turn(2, "parada", "5521900000002@s.whatsapp.net"))).isNull();
        assertThat(byProfile.size()).isZero();
        assertThat(start(byProfile, turn(3, "loja", "5521900000003@s.whatsapp.net"))).isNotNull();
    }

    @Test
    void anUnreadableProfileMeansNoTypingNotAFailedTurn() {
        TypingIndicator broken = indicator(i -> {
            throw new IllegalStateException("PostgreSQL is away");
        });

        assertThat(start(broken, SHOP_TURN)).isNull();
        assertThat(broken.size()).isZero();
    }

    @Test
    void aTurnThatNeverStoppedStopsTypingAfterTheLlmTimeoutAndARefresh() {
        start(typing, SHOP_TURN);
        typing.presenceEnded(SHOP);
        clock.advance(Duration.ofSeconds(134));
        assertThat(typing.due()).containsExactly(SHOP);
        typing.presenceEnded(SHOP);

        clock.advance(Duration.ofSeconds(1));
        assertThat(typing.due()).isEmpty();
        assertThat(typing.size()).isZero();
    }

    @Test
    void aPresenceWhoseAnswerIsLostIsGivenUpAfterTwiceItsTimeout() {
        start(typing, SHOP_TURN);
        clock.advance(Duration.ofSeconds(49));
        assertThat(typing.due()).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(typing.due()).containsExactly(SHOP);
    }

    @Test
    void theRefreshIsKeptWithinOneToTwentySecondsAndIsThePresencesDelay() {
        assertThat(TypingIndicator.Settings.of(15, 120).presenceDelay()).isEqualTo(Duration.ofSeconds(15));
        assertThat(TypingIndicator.Settings.of(15, 120).answerTimeout()).isEqualTo(Duration.ofSeconds(25));
        assertThat(TypingIndicator.Settings.of(60, 120).refresh()).isEqualTo(Duration.ofSeconds(20));
        assertThat(TypingIndicator.Settings.of(0, 120).refresh()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void manyTurnsStartingStoppingAndRefreshingAtOnceLeaveNothingBehind() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<java.util.concurrent.Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int thread = t;
            done.add(pool.submit(() -> {
                go.await();
                for (int i = 0; i < 500; i++) {
                    ClaimedTurn turn = turn(thread * 1000L + i, "loja", "5521900000000@s.whatsapp.net");
                    TypingTarget first = start(typing, turn);
                    typing.due().forEach(typing::presenceEnded);
                    typing.stop(turn.conversationId());
                    if (first != null) {
                        typing.presenceEnded(first);
                    }
                }
                return null;
            }));
        }
        go.countDown();
        for (var f : done) {
            f.get(20, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(typing.size()).isZero();
    }

    /** A clock the test moves by hand. */
    static final class MovableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-03-02T12:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    static TypingTarget start(TypingIndicator typing, ClaimedTurn turn) {
        return typing.start(turn.conversationId(), turn.instance(), turn.contactJid());
    }
}

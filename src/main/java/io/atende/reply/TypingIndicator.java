package io.atende.reply;

import io.atende.profile.EffectiveProfile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The conversations of this replica shown "digitando…" while the model writes their answer, and when each gets its
 * next {@code composing} presence. In memory only: a turn runs on one replica, from its claim to its stored answer.
 * <p>
 * Evolution's sendPresence shows {@code composing}, holds the request for the presence's delay, then sends
 * {@code paused} and answers. So a conversation has at most one presence in flight, and the next one goes only once the
 * previous has answered and began at least {@link Settings#refresh()} ago: its {@code paused} has then gone out before
 * the next {@code composing}, never after it (which would hide "digitando…" until the following presence).
 * <p>
 * Thread-safe: the turns start and stop, the refresh timer asks what is due and the HTTP client's threads report the
 * answers, all under this object's lock (a handful of entries, each step a few field writes).
 */
public final class TypingIndicator {

    private static final Logger LOG = LoggerFactory.getLogger(TypingIndicator.class);

    /** WhatsApp drops a presence after about 25 s: "digitando…" is refreshed at least this often. */
    public static final Duration MAX_REFRESH = Duration.ofSeconds(20);
    public static final Duration MIN_REFRESH = Duration.ofSeconds(1);
    /** Before holding the request, Evolution asks WhatsApp whether the number exists: a round trip, rarely seconds. */
    static final Duration ANSWER_MARGIN = Duration.ofSeconds(10);

    /**
     * @param refresh       how often "digitando…" is sent again; also each presence's delay, so that consecutive
     *                      presences join up
     * @param answerTimeout how long a presence's answer is waited for (its delay, plus Evolution's own work)
     * @param maxTyping     a turn that never stopped (its thread died) stops typing after this long
     */
    public record Settings(Duration refresh, Duration answerTimeout, Duration maxTyping) {

        /**
         * @param refreshSeconds    ATENDE_TYPING_REFRESH_S, kept within 1-20 s
         * @param llmTimeoutSeconds ATENDE_LLM_TIMEOUT_S: no turn types for longer than its LLM call may last
         */
        public static Settings of(int refreshSeconds, int llmTimeoutSeconds) {
            Duration asked = Duration.ofSeconds(refreshSeconds);
            Duration refresh = asked.compareTo(MIN_REFRESH) < 0 ? MIN_REFRESH
                    : asked.compareTo(MAX_REFRESH) > 0 ? MAX_REFRESH : asked;
            if (!refresh.equals(asked)) {
                LOG.warn("ATENDE_TYPING_REFRESH_S={} is outside 1-20 s; \"digitando…\" is refreshed every {} s",
                        refreshSeconds, refresh.toSeconds());
            }
            return new Settings(refresh, refresh.plus(ANSWER_MARGIN),
                    Duration.ofSeconds(Math.max(0, llmTimeoutSeconds)).plus(refresh));
        }

        /** The presence's {@code delay}: Evolution shows "digitando…" this long, then sends {@code paused}. */
        public Duration presenceDelay() {
            return refresh;
        }
    }

    private static final class Entry {
        TypingTarget target;
        Instant startedAt;
        Instant sentAt;
        /** A turn is running; false: it ended, and the entry lives only until its last presence answers. */
        boolean active;
        boolean inFlight;
    }

    private final Function<String, EffectiveProfile> profiles;
    private final Settings settings;
    private final Clock clock;
    private final Map<Long, Entry> entries = new HashMap<>();

    /** @param profiles the effective profile of an instance ({@code InstanceProfiles::of}) */
    public TypingIndicator(Function<String, EffectiveProfile> profiles, Settings settings, Clock clock) {
        this.profiles = profiles;
        this.settings = settings;
        this.clock = clock;
    }

    public Settings settings() {
        return settings;
    }

    /**
     * The turn's LLM call is about to start: its conversation types until {@link #stop}, unless the number's profile
     * says {@code typing: false} (or ATENDE_TYPING=false) or the number is disabled.
     *
     * @return the first presence to send now (marked in flight), or null: none now (typing is off for the number, or
     * the conversation's previous turn still has a presence in flight, which the next one follows)
     */
    public TypingTarget start(long conversationId, String instance, String contactJid) {
        EffectiveProfile profile;
        try {
            profile = profiles.apply(instance);
        } catch (RuntimeException e) {
            // the profiles could not be read (PostgreSQL away): the turn goes on, without "digitando…"
            LOG.debug("No typing for conversation {}: profile of {} unreadable: {}", conversationId, instance,
                    e.getMessage());
            return null;
        }
        if (!profile.typing() || !profile.enabled()) {
            return null;
        }
        Instant now = clock.instant();
        synchronized (this) {
            Entry e = entries.computeIfAbsent(conversationId, id -> new Entry());
            e.target = new TypingTarget(conversationId, instance, contactJid);
            e.startedAt = now;
            e.active = true;
            if (e.inFlight) {
                return null;
            }
            return sent(e, now);
        }
    }

    /** The turn's answer is stored, or its LLM call failed: no further presence for it. */
    public synchronized void stop(long conversationId) {
        Entry e = entries.get(conversationId);
        if (e != null) {
            e.active = false;
            if (!e.inFlight) {
                entries.remove(conversationId);
            }
        }
    }

    /**
     * The presences due now, each marked in flight until {@link #presenceEnded}: one per typing conversation whose last
     * presence has answered and began at least {@link Settings#refresh()} ago. Forgets turns past
     * {@link Settings#maxTyping()}, and presences never answered within twice their timeout.
     */
    public synchronized List<TypingTarget> due() {
        Instant now = clock.instant();
        List<TypingTarget> due = new ArrayList<>();
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.inFlight && !now.isBefore(e.sentAt.plus(settings.answerTimeout().multipliedBy(2)))) {
                e.inFlight = false; // the HTTP client's own timeout ends it first; this only guards against a lost answer
            }
            if (e.active && !now.isBefore(e.startedAt.plus(settings.maxTyping()))) {
                e.active = false;
            }
            if (!e.active) {
                if (!e.inFlight) {
                    it.remove();
                }
                continue;
            }
            if (!e.inFlight && !now.isBefore(e.sentAt.plus(settings.refresh()))) {
                due.add(sent(e, now));
            }
        }
        return due;
    }

    /** The presence was answered (or failed, or was not sent): the conversation's next one may go when due. */
    public synchronized void presenceEnded(TypingTarget target) {
        Entry e = entries.get(target.conversationId());
        if (e != null) {
            e.inFlight = false;
            if (!e.active) {
                entries.remove(target.conversationId());
            }
        }
    }

    /** Whether the conversation's turn is typing now (its presences go on until it stops). */
    public synchronized boolean isTyping(long conversationId) {
        Entry e = entries.get(conversationId);
        return e != null && e.active;
    }

    /** Conversations typing now, or still waiting for the answer of their last presence. */
    public synchronized int size() {
        return entries.size();
    }

    private static TypingTarget sent(Entry e, Instant now) {
        e.inFlight = true;
        e.sentAt = now;
        return e.target;
    }
}

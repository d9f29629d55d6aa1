package io.atende.ingest;

import io.atende.profile.BusinessHours;
import io.atende.profile.EffectiveProfile;
import io.atende.profile.Keywords;

import java.time.Instant;

/**
 * What the number's profile and the clock say about one event before it is stored, without the database: what the
 * customer's words ask for, and whether the number is closed. The conversation's own state (human, opted out) is read
 * where the message is stored, with its row locked.
 *
 * @param closedSince the start of the closed period the event falls in; null while open or without business hours
 */
record Situation(EffectiveProfile profile, Instant now, Intent intent, Instant closedSince) {

    /** What a customer's text asks for. */
    enum Intent {
        NONE,
        /** The whole message is a stop keyword: opt out. */
        STOP,
        /** The whole message is a resume keyword: opt in, when opted out (otherwise an ordinary message). */
        OPT_IN,
        /** The message mentions a handoff keyword: a human, please. */
        HANDOFF
    }

    static Situation of(InboundEvent e, EffectiveProfile p, Instant now) {
        Intent intent = Intent.NONE;
        boolean anyWords = !p.optOut().stop().isEmpty() || !p.optOut().resume().isEmpty()
                || !p.handoff().keywords().isEmpty();
        if (!e.isIgnored() && e.text() != null && anyWords) {
            String text = Keywords.normalise(e.text()); // once per message, for every list
            if (p.optOut().stop().isExactlyNormalised(text)) {
                intent = Intent.STOP;
            } else if (p.optOut().resume().isExactlyNormalised(text)) {
                intent = Intent.OPT_IN;
            } else if (p.handoff().keywords().mentionsNormalised(text)) {
                intent = Intent.HANDOFF;
            }
        }
        Instant closed = !e.isIgnored() && p.hours().hasSchedule() ? p.hours().closedSince(now) : null;
        return new Situation(p, now, intent, closed);
    }

    /** Closed, and the policy has something to say about it (a notice, or no answer). */
    boolean closedWithNotice() {
        return closedSince != null && profile.hours().policy() != BusinessHours.Policy.ANSWER;
    }

    /** Nothing here needs more than the conversation's state: the one-round-trip text path can store it. */
    boolean plain() {
        return intent == Intent.NONE && !closedWithNotice();
    }
}

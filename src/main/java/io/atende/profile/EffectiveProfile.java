package io.atende.profile;

import java.util.Collection;
import java.util.List;

/**
 * What one instance's pipeline runs with: its profile's fields, each absent one taken from the environment.
 *
 * @param instance      the Evolution instance name
 * @param version       the stored profile's version; 0 without a profile
 * @param webhookToken  this instance's own webhook token, or null (the global token authenticates it)
 * @param texts         resolved texts; an empty string means "send nothing"
 * @param handoff       when a human takes over, and who is told
 * @param optOut        the customer's stop and resume words
 * @param hours         business hours and their policy
 * @param notifyText    the message to {@code handoff.notifyNumber} ({@code {contact}}, {@code {name}})
 * @param typing        "digitando…" while the model writes
 * @param split         how a long answer is cut into messages
 * @param voice         voice notes are transcribed (when a speech-to-text server is configured)
 */
public record EffectiveProfile(String instance, long version, boolean enabled, String displayName,
                               String systemPrompt, String facts, String model, double temperature, int numPredict,
                               int historyTurns, InstanceProfile.Texts texts, TriggerRule trigger,
                               List<JidPattern> ignoreJids, List<JidPattern> allowJids, long debounceMs,
                               String evolutionBaseUrl, String evolutionApiKey, String webhookToken,
                               Handoff handoff, OptOut optOut, BusinessHours hours, String notifyText,
                               boolean typing, Split split, boolean voice) {

    /** The pause before a further part, per character: at least half a second, at most four. */
    public static final long MIN_PART_PAUSE_MS = 500;
    public static final long MAX_PART_PAUSE_MS = 4_000;

    /**
     * @param maxChars  an answer longer than this is split
     * @param maxParts  at most this many messages
     * @param msPerChar the pause before each further part, per character of that part
     */
    public record Split(int maxChars, int maxParts, int msPerChar) {

        /** The "digitando…" pause before a further part of {@code chars} characters. */
        public long pauseMillis(int chars) {
            return Math.max(MIN_PART_PAUSE_MS, Math.min(MAX_PART_PAUSE_MS, (long) chars * msPerChar));
        }
    }

    /**
     * @param pause         how long the bot stays quiet after the operator's last message, or after a handoff
     * @param keywords      a customer message mentioning one of these asks for a human
     * @param resumeKeyword the operator's message that gives the conversation back to the bot
     * @param notifyJid     the WhatsApp JID told about each customer handoff, or null
     */
    public record Handoff(java.time.Duration pause, Keywords keywords, String resumeKeyword, String notifyJid) {

        /** The operator typed the resume keyword: the whole message, ignoring case, accents and surrounding spaces. */
        public boolean isResume(String operatorText) {
            return operatorText != null && !resumeKeyword.isBlank()
                    && Keywords.fold(operatorText).equals(Keywords.fold(resumeKeyword));
        }
    }

    /**
     * @param stop   a customer message that is one of these opts out
     * @param resume one that is one of these opts in again
     */
    public record OptOut(Keywords stop, Keywords resume) {
    }

    /** {@code handoff.notifyNumber} as a JID: its digits at {@code s.whatsapp.net}; null when not set. */
    public static String notifyJid(String number) {
        if (number == null || number.isBlank()) {
            return null;
        }
        String digits = number.replaceAll("[^0-9]", "");
        return digits.isEmpty() ? null : digits + "@s.whatsapp.net";
    }

    /**
     * @throws IllegalArgumentException when the profile holds a bad trigger or JID pattern (the admin API and the
     *                                  file loader validate first, so a stored profile never does)
     */
    public static EffectiveProfile resolve(String instance, long version, InstanceProfile p, ProfileDefaults d) {
        InstanceProfile.Texts t = p.texts() == null ? new InstanceProfile.Texts(null, null, null) : p.texts();
        ProfileDefaults.Quiet q = d.quiet();
        ProfileDefaults.Talk k = d.talk();
        InstanceProfile.Split sp = p.split() == null ? new InstanceProfile.Split(null, null, null) : p.split();
        InstanceProfile.Handoff h = p.handoff() == null ? new InstanceProfile.Handoff(null, null, null, null)
                : p.handoff();
        InstanceProfile.OptOut o = p.optOut() == null ? new InstanceProfile.OptOut(null, null) : p.optOut();
        InstanceProfile.Evolution e = p.evolution() == null ? new InstanceProfile.Evolution(null, null, null)
                : p.evolution();
        return new EffectiveProfile(instance, version,
                p.enabled() == null || p.enabled(),
                p.displayName(),
                or(p.systemPrompt(), d.systemPrompt()),
                p.facts() == null ? "" : p.facts().strip(),
                or(p.model(), d.model()),
                p.temperature() == null ? d.temperature() : p.temperature(),
                p.numPredict() == null ? d.numPredict() : p.numPredict(),
                p.historyTurns() == null ? d.historyTurns() : p.historyTurns(),
                new InstanceProfile.Texts(
                        t.fallback() == null ? d.fallbackText() : t.fallback().strip(),
                        t.busy() == null ? d.busyText() : t.busy().strip(),
                        t.media() == null ? d.mediaText() : t.media().strip(),
                        t.handoff() == null ? q.handoffText() : t.handoff().strip(),
                        t.optOutConfirm() == null ? q.optOutConfirmText() : t.optOutConfirm().strip(),
                        t.optInConfirm() == null ? q.optInConfirmText() : t.optInConfirm().strip(),
                        t.outOfHours() == null ? q.outOfHoursText() : t.outOfHours().strip(),
                        t.voiceFailed() == null ? k.voiceFailedText() : t.voiceFailed().strip(),
                        t.voiceTooLong() == null ? k.voiceTooLongText() : t.voiceTooLong().strip()),
                TriggerRule.of(p.trigger()),
                patterns(p.ignoreJids()),
                patterns(p.allowJids()),
                p.debounceMs() == null ? d.debounceMs() : p.debounceMs(),
                stripSlash(or(e.baseUrl(), d.evolutionBaseUrl())),
                e.apiKey() == null ? d.evolutionApiKey() : e.apiKey(),
                e.webhookToken() == null || e.webhookToken().isBlank() ? null : e.webhookToken(),
                new Handoff(minutes(h.pauseMinutes() == null ? q.pauseMinutes() : h.pauseMinutes()),
                        Keywords.of(h.keywords() == null ? q.handoffKeywords() : h.keywords()),
                        h.resumeKeyword() == null ? q.resumeKeyword() : h.resumeKeyword().strip(),
                        notifyJid(h.notifyNumber())),
                new OptOut(Keywords.of(o.stopKeywords() == null ? q.stopKeywords() : o.stopKeywords()),
                        Keywords.of(o.resumeKeywords() == null ? q.optInKeywords() : o.resumeKeywords())),
                BusinessHours.of(p.hours(), q.timeZone(), q.outOfHoursPolicy()),
                q.notifyText(),
                p.typing() == null ? k.typing() : p.typing(),
                new Split(sp.maxChars() == null ? k.split().maxChars() : sp.maxChars(),
                        sp.maxParts() == null ? k.split().maxParts() : sp.maxParts(),
                        sp.msPerChar() == null ? k.split().msPerChar() : sp.msPerChar()),
                p.voice() == null || p.voice().enabled() == null ? k.voice() : p.voice().enabled());
    }

    private static java.time.Duration minutes(double minutes) {
        return java.time.Duration.ofMillis(Math.round(minutes * 60_000));
    }

    /** An instance without a profile: the environment's settings. */
    public static EffectiveProfile defaults(String instance, ProfileDefaults d) {
        return resolve(instance, 0, InstanceProfile.EMPTY, d);
    }

    /**
     * Whether a one-to-one contact may be answered: not matched by {@code ignoreJids}, and matched by
     * {@code allowJids} when that list is not empty.
     *
     * @param addresses every address the contact is known by (chat JID, phone JID, LID), nulls allowed
     */
    public boolean answers(String... addresses) {
        List<String> all = java.util.Arrays.asList(addresses);
        return !ignores(all) && allows(all);
    }

    /** {@code ignoreJids} matches one of the contact's addresses. */
    public boolean ignores(Collection<String> addresses) {
        return matchesAny(ignoreJids, addresses);
    }

    /** {@code allowJids} is empty, or matches one of the contact's addresses. */
    public boolean allows(Collection<String> addresses) {
        return allowJids.isEmpty() || matchesAny(allowJids, addresses);
    }

    private static boolean matchesAny(List<JidPattern> patterns, Collection<String> addresses) {
        for (JidPattern p : patterns) {
            for (String a : addresses) {
                if (p.matches(a)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static List<JidPattern> patterns(List<String> raw) {
        return raw == null ? List.of() : raw.stream().map(JidPattern::parse).toList();
    }

    private static String or(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }

    private static String stripSlash(String url) {
        return url != null && url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    @Override
    public String toString() {
        return "EffectiveProfile[" + instance + " v" + version + ", enabled=" + enabled + "]";
    }
}

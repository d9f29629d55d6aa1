package io.atende.profile;

import java.time.ZoneId;
import java.util.List;

/**
 * The environment's settings, which every field a profile leaves out falls back to (and an instance without a
 * profile uses whole): today's behaviour before any profile exists.
 */
public record ProfileDefaults(String systemPrompt, String model, double temperature, int numPredict,
                              int historyTurns, String fallbackText, String busyText, String mediaText,
                              long debounceMs, String evolutionBaseUrl, String evolutionApiKey, Quiet quiet,
                              Talk talk) {

    /**
     * When the bot keeps quiet (human takeover, opt-out, business hours), before any profile says otherwise.
     *
     * @param notifyText the message to a number's {@code handoff.notifyNumber}; {@code {contact}} and {@code {name}}
     *                   are the customer's number and profile name
     */
    public record Quiet(double pauseMinutes, List<String> handoffKeywords, String resumeKeyword,
                        List<String> stopKeywords, List<String> optInKeywords, ZoneId timeZone,
                        BusinessHours.Policy outOfHoursPolicy, String handoffText, String optOutConfirmText,
                        String optInConfirmText, String outOfHoursText, String notifyText) {

        /** Nothing said, nothing matched: a 60-minute pause, always open. */
        public static final Quiet NONE = new Quiet(60, List.of(), "#bot", List.of(), List.of(),
                ZoneId.of("America/Sao_Paulo"), BusinessHours.Policy.ANSWER, "", "", "", "", "");

        public Quiet {
            handoffKeywords = List.copyOf(handoffKeywords);
            stopKeywords = List.copyOf(stopKeywords);
            optInKeywords = List.copyOf(optInKeywords);
            handoffText = blankToEmpty(handoffText);
            optOutConfirmText = blankToEmpty(optOutConfirmText);
            optInConfirmText = blankToEmpty(optInConfirmText);
            outOfHoursText = blankToEmpty(outOfHoursText);
            notifyText = blankToEmpty(notifyText);
        }

        /** A comma-separated list from the environment ("atendente, humano, falar com alguém"). */
        public static List<String> list(String commaSeparated) {
            if (commaSeparated == null || commaSeparated.isBlank()) {
                return List.of();
            }
            return java.util.Arrays.stream(commaSeparated.split(",")).map(String::strip).filter(w -> !w.isEmpty())
                    .toList();
        }
    }

    /**
     * How the bot talks: typing presence, the split of long answers, voice notes.
     *
     * @param typing           "digitando…" while the model writes
     * @param split            the environment's split of long answers
     * @param voice            voice notes are transcribed (when ATENDE_STT_URL is set)
     * @param voiceFailedText  sent when a voice note cannot be transcribed
     * @param voiceTooLongText sent for a voice note over the limit; {@code {seconds}} is the limit
     */
    public record Talk(boolean typing, EffectiveProfile.Split split, boolean voice, String voiceFailedText,
                       String voiceTooLongText) {

        /** Typing on, 600-character parts (4 at most, 20 ms per character), voice on, no texts. */
        public static final Talk DEFAULT = new Talk(true, new EffectiveProfile.Split(600, 4, 20), true, "", "");

        public Talk {
            voiceFailedText = blankToEmpty(voiceFailedText);
            voiceTooLongText = blankToEmpty(voiceTooLongText);
        }
    }

    /** Without the talk settings: {@link Talk#DEFAULT}. */
    public ProfileDefaults(String systemPrompt, String model, double temperature, int numPredict, int historyTurns,
                           String fallbackText, String busyText, String mediaText, long debounceMs,
                           String evolutionBaseUrl, String evolutionApiKey, Quiet quiet) {
        this(systemPrompt, model, temperature, numPredict, historyTurns, fallbackText, busyText, mediaText, debounceMs,
                evolutionBaseUrl, evolutionApiKey, quiet, Talk.DEFAULT);
    }

    /** Without the quiet settings (tests of the other settings): {@link Quiet#NONE}. */
    public ProfileDefaults(String systemPrompt, String model, double temperature, int numPredict, int historyTurns,
                           String fallbackText, String busyText, String mediaText, long debounceMs,
                           String evolutionBaseUrl, String evolutionApiKey) {
        this(systemPrompt, model, temperature, numPredict, historyTurns, fallbackText, busyText, mediaText, debounceMs,
                evolutionBaseUrl, evolutionApiKey, Quiet.NONE);
    }

    public ProfileDefaults {
        quiet = quiet == null ? Quiet.NONE : quiet;
        talk = talk == null ? Talk.DEFAULT : talk;
        fallbackText = blankToEmpty(fallbackText);
        busyText = blankToEmpty(busyText);
        mediaText = blankToEmpty(mediaText);
        evolutionApiKey = evolutionApiKey == null ? "" : evolutionApiKey;
    }

    private static String blankToEmpty(String s) {
        return s == null ? "" : s.strip();
    }
}

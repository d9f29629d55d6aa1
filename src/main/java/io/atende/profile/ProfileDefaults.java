package io.atende.profile;

import java.time.ZoneId;
import java.util.List;

/**
 * The environment's settings, which every field a profile leaves out falls back to (and an instance without a
 * profile uses whole): today's behaviour before any profile exists.
 */
public record ProfileDefaults(String systemPrompt, String model, double temperature, int numPredict,
                              int historyTurns, String fallbackText, String busyText, String mediaText,
                              long debounceMs, String evolutionBaseUrl, String evolutionApiKey, Quiet quiet) {

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

    /** Without the quiet settings (tests of the other settings): {@link Quiet#NONE}. */
    public ProfileDefaults(String systemPrompt, String model, double temperature, int numPredict, int historyTurns,
                           String fallbackText, String busyText, String mediaText, long debounceMs,
                           String evolutionBaseUrl, String evolutionApiKey) {
        this(systemPrompt, model, temperature, numPredict, historyTurns, fallbackText, busyText, mediaText, debounceMs,
                evolutionBaseUrl, evolutionApiKey, Quiet.NONE);
    }

    public ProfileDefaults {
        quiet = quiet == null ? Quiet.NONE : quiet;
        fallbackText = blankToEmpty(fallbackText);
        busyText = blankToEmpty(busyText);
        mediaText = blankToEmpty(mediaText);
        evolutionApiKey = evolutionApiKey == null ? "" : evolutionApiKey;
    }

    private static String blankToEmpty(String s) {
        return s == null ? "" : s.strip();
    }
}

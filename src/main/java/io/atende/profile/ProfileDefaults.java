package io.atende.profile;

/**
 * The environment's settings, which every field a profile leaves out falls back to (and an instance without a
 * profile uses whole): today's behaviour before any profile exists.
 */
public record ProfileDefaults(String systemPrompt, String model, double temperature, int numPredict,
                              int historyTurns, String fallbackText, String busyText, String mediaText,
                              long debounceMs, String evolutionBaseUrl, String evolutionApiKey) {

    public ProfileDefaults {
        fallbackText = blankToEmpty(fallbackText);
        busyText = blankToEmpty(busyText);
        mediaText = blankToEmpty(mediaText);
        evolutionApiKey = evolutionApiKey == null ? "" : evolutionApiKey;
    }

    private static String blankToEmpty(String s) {
        return s == null ? "" : s.strip();
    }
}

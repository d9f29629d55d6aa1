package io.atende.reply;

/**
 * Where one number's messages go out, as its profile says at this attempt: its Evolution server and key, and whether
 * anything may be sent for it at all. The delivery route keeps it in the variable {@code evolution} for the URIs and
 * the {@code apikey} header of sendText and findMessages.
 *
 * @param enabled false: the number's profile is disabled, nothing is sent
 * @param baseUrl e.g. {@code http://evolution:8080}, no trailing slash
 * @param apiKey  the {@code apikey} header
 */
public record EvolutionTarget(String instance, boolean enabled, String baseUrl, String apiKey) {

    /** An instance as a path segment of Evolution's API ({@code /message/sendText/{instance}}): names hold spaces. */
    public static String instancePath(String instance) {
        return java.net.URLEncoder.encode(instance, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public String toString() {
        return "EvolutionTarget[" + instance + " at " + baseUrl + ", enabled=" + enabled + ", apiKey=<redacted>]";
    }
}

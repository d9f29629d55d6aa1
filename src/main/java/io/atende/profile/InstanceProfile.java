package io.atende.profile;

import java.util.List;

/**
 * One WhatsApp number's own settings, as stored in PostgreSQL and as the admin API speaks them (the field names are
 * the API contract). Every field is optional: null means "the environment's default", so an instance without a
 * profile behaves exactly as one with an empty profile.
 *
 * @param enabled      false: messages are stored, nothing is ever sent to this number's customers
 * @param displayName  the business's name
 * @param systemPrompt the persona
 * @param facts        free text or Markdown (address, hours, prices, policies) the model gets with every turn
 * @param model        the LLM model name
 * @param temperature  0 to 2
 * @param numPredict   the longest reply, in tokens (Ollama num_predict, OpenAI max_tokens)
 * @param historyTurns earlier messages each prompt carries
 * @param texts        customer-facing texts
 * @param trigger      which message starts a conversation
 * @param ignoreJids   contacts (or chats) never answered; see {@link JidPattern}
 * @param allowJids    when not empty, the only contacts answered
 * @param debounceMs   quiet time after the customer's last message before the LLM is asked
 * @param evolution    another Evolution server, key or webhook token for this number
 */
public record InstanceProfile(Boolean enabled, String displayName, String systemPrompt, String facts, String model,
                              Double temperature, Integer numPredict, Integer historyTurns, Texts texts,
                              Trigger trigger, List<String> ignoreJids, List<String> allowJids, Long debounceMs,
                              Evolution evolution) {

    /** An empty profile: every setting from the environment. */
    public static final InstanceProfile EMPTY = new InstanceProfile(null, null, null, null, null, null, null, null,
            null, null, null, null, null, null);

    public InstanceProfile {
        ignoreJids = ignoreJids == null ? null : List.copyOf(ignoreJids);
        allowJids = allowJids == null ? null : List.copyOf(allowJids);
    }

    /**
     * Customer-facing texts; null fields take the environment's (Brazilian Portuguese) defaults. An empty string
     * switches that text off.
     *
     * @param fallback sent when the LLM fails or its breaker is open
     * @param busy     the busy notice; {@code {position}} is the customer's place in the queue
     * @param media    sent for audio, stickers and media without a caption
     */
    public record Texts(String fallback, String busy, String media) {
    }

    /**
     * @param type     {@code all} or {@code keyword}
     * @param operator for keyword: {@code equals}, {@code contains}, {@code startsWith} or {@code regex}
     * @param value    the keyword, or the regular expression
     */
    public record Trigger(String type, String operator, String value) {
    }

    /**
     * Secrets ({@code apiKey}, {@code webhookToken}) are write-only in the admin API.
     *
     * @param baseUrl      this number's Evolution server
     * @param apiKey       the {@code apikey} header for this number's sends
     * @param webhookToken when set, this instance's webhooks are authenticated with this token only
     */
    public record Evolution(String baseUrl, String apiKey, String webhookToken) {

        /**
         * Scheme http(s), a host, and at most a port and a path. The base URL becomes the start of a dynamic Camel
         * endpoint URI (toD), where {@code {{...}}} would be resolved as a property placeholder and {@code ?} would add
         * endpoint options: a profile's URL could then carry the gateway's own secrets to its server.
         */
        public static boolean isPlainHttpUrl(String url) {
            if (url == null || url.contains("{") || url.contains("$")) {
                return false;
            }
            try {
                java.net.URI u = new java.net.URI(url);
                return ("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null
                        && u.getRawQuery() == null && u.getRawFragment() == null && u.getRawUserInfo() == null;
            } catch (java.net.URISyntaxException e) {
                return false;
            }
        }
    }
}

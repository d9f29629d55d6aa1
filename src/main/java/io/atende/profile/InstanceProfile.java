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
 * @param handoff      when a human attendant takes the conversation over
 * @param optOut       the customer's words to stop and resume the bot
 * @param hours        business hours and what happens outside them
 * @param typing       show "digitando…" while the model writes
 * @param split        how a long answer is cut into WhatsApp messages
 * @param voice        whether voice notes are transcribed (when a speech-to-text server is configured)
 */
public record InstanceProfile(Boolean enabled, String displayName, String systemPrompt, String facts, String model,
                              Double temperature, Integer numPredict, Integer historyTurns, Texts texts,
                              Trigger trigger, List<String> ignoreJids, List<String> allowJids, Long debounceMs,
                              Evolution evolution, Handoff handoff, OptOut optOut, Hours hours,
                              Boolean typing, Split split, Voice voice) {

    /** An empty profile: every setting from the environment. */
    public static final InstanceProfile EMPTY = new InstanceProfile(null, null, null, null, null, null, null, null,
            null, null, null, null, null, null, null, null, null, null, null, null);

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
     * @param media         sent for audio, stickers and media without a caption
     * @param handoff       sent once when the customer asks for a human
     * @param optOutConfirm sent when the customer opts out
     * @param optInConfirm  sent when the customer opts in again
     * @param outOfHours    sent once per closed period (its policy permitting)
     * @param voiceFailed   sent when a voice note cannot be transcribed (the speech-to-text server is down)
     * @param voiceTooLong  sent for a voice note longer than the transcription limit
     */
    public record Texts(String fallback, String busy, String media, String handoff, String optOutConfirm,
                        String optInConfirm, String outOfHours, String voiceFailed, String voiceTooLong) {

        /** The notices of the pipeline (fallback, busy, media), the others from the defaults. */
        public Texts(String fallback, String busy, String media) {
            this(fallback, busy, media, null, null, null, null, null, null);
        }

        /** Without the voice-note texts (from the defaults). */
        public Texts(String fallback, String busy, String media, String handoff, String optOutConfirm,
                     String optInConfirm, String outOfHours) {
            this(fallback, busy, media, handoff, optOutConfirm, optInConfirm, outOfHours, null, null);
        }
    }

    /**
     * @param maxChars  an answer longer than this is split (paragraphs first, then sentences)
     * @param maxParts  at most this many messages; the rest joins the last one
     * @param msPerChar the pause ("digitando…") before each further part, per character, clamped to 0.5–4 s
     */
    public record Split(Integer maxChars, Integer maxParts, Integer msPerChar) {
    }

    /** @param enabled false: this number's voice notes get the media text, as without speech-to-text */
    public record Voice(Boolean enabled) {
    }

    /**
     * @param pauseMinutes  how long the bot stays quiet after the operator's last message (decimals accepted)
     * @param keywords      words or phrases with which a customer asks for a human
     * @param resumeKeyword typed by the operator to give the conversation back to the bot at once
     * @param notifyNumber  a WhatsApp number told when a customer asks for a human
     */
    public record Handoff(Double pauseMinutes, List<String> keywords, String resumeKeyword, String notifyNumber) {
        public Handoff {
            keywords = keywords == null ? null : List.copyOf(keywords);
        }
    }

    /**
     * @param stopKeywords   a customer message equal to one of these (normalised) opts the customer out
     * @param resumeKeywords and one equal to one of these opts them in again
     */
    public record OptOut(List<String> stopKeywords, List<String> resumeKeywords) {
        public OptOut {
            stopKeywords = stopKeywords == null ? null : List.copyOf(stopKeywords);
            resumeKeywords = resumeKeywords == null ? null : List.copyOf(resumeKeywords);
        }
    }

    /**
     * @param timeZone         an IANA zone, e.g. {@code America/Sao_Paulo}
     * @param weekly           open intervals per day: {@code {"mon": ["09:00-12:00", "13:00-18:00"], ...}}; a day
     *                         absent is closed; without {@code weekly} the number is always open
     * @param holidays         ISO dates ({@code 2026-12-25}) closed all day
     * @param outOfHoursPolicy {@code answer}, {@code notice-and-answer} or {@code notice-only}
     */
    public record Hours(String timeZone, java.util.Map<String, List<String>> weekly, List<String> holidays,
                        String outOfHoursPolicy) {
        public Hours {
            weekly = weekly == null ? null : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(weekly));
            holidays = holidays == null ? null : List.copyOf(holidays);
        }
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

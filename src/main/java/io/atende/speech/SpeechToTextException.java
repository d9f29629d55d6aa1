package io.atende.speech;

/** The audio could not be fetched or transcribed: the note is recorded as media and the customer asked to type. */
public class SpeechToTextException extends RuntimeException {

    private final String reason;

    /** @param reason a short code for the message's failure_reason and the metric ({@code stt_http_500}, ...) */
    public SpeechToTextException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}

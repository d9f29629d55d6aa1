package io.atende.conversation;

/** The model's reply to one turn, with what it cost. Token counts are null when the server did not report them. */
public record LlmAnswer(String text, Integer inputTokens, Integer outputTokens, long millis) {
}

package io.atende.llm;

import java.util.Objects;

/**
 * The model's answer to one prompt, with what the call cost, as the model's own response and streaming handler
 * reported it.
 *
 * @param text             the model's answer as it wrote it; the conversation's history keeps this text, so that a
 *                         later prompt repeats exactly what the model produced
 * @param reply            what the customer receives: the text until a step of the conversation route reformats it
 * @param inputTokens      prompt tokens the server evaluated; null when it did not say
 * @param outputTokens     tokens generated; null when the server did not say
 * @param millis           the whole call, request to last token
 * @param firstTokenMillis request to the first streamed token; null for a call that was not streamed
 */
public record LlmAnswer(String text, String reply, Integer inputTokens, Integer outputTokens, long millis,
                        Long firstTokenMillis) {

    public LlmAnswer {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(reply, "reply");
    }

    /** A fresh answer: the reply is still the model's own text. */
    public static LlmAnswer of(String text, Integer inputTokens, Integer outputTokens, long millis, Long firstTokenMillis) {
        String t = text == null ? "" : text;
        return new LlmAnswer(t, t, inputTokens, outputTokens, millis, firstTokenMillis);
    }

    /** The same answer with another text for the customer; the model's text stays as it was. */
    public LlmAnswer withReply(String newReply) {
        return new LlmAnswer(text, newReply, inputTokens, outputTokens, millis, firstTokenMillis);
    }
}

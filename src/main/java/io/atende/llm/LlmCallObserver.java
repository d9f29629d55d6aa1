package io.atende.llm;

import dev.langchain4j.model.chat.listener.ChatModelErrorContext;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import dev.langchain4j.model.output.TokenUsage;
import io.atende.conversation.LlmAnswer;
import io.atende.support.AtendeMetrics;

import java.time.Duration;

/**
 * Records what each LLM call cost (duration, prompt and generated tokens).
 * <p>
 * camel-langchain4j-chat 4.17 puts only the reply text in the message body, so the token counts Ollama reports
 * are taken here, through LangChain4j's listener API. The listener runs on the thread that makes the call,
 * which is the route's thread, so the route picks the figures up right after the call with {@link #answer(String)}.
 */
public final class LlmCallObserver implements ChatModelListener {

    private static final String STARTED = "atende.startedNanos";
    private static final ThreadLocal<LlmAnswer> LAST = new ThreadLocal<>();

    private final AtendeMetrics metrics;
    private final LlmStats stats;

    public LlmCallObserver(AtendeMetrics metrics, LlmStats stats) {
        this.metrics = metrics;
        this.stats = stats;
    }

    @Override
    public void onRequest(ChatModelRequestContext ctx) {
        ctx.attributes().put(STARTED, System.nanoTime());
        LAST.remove();
    }

    @Override
    public void onResponse(ChatModelResponseContext ctx) {
        long millis = elapsedMillis(ctx.attributes().get(STARTED));
        TokenUsage usage = ctx.chatResponse().tokenUsage();
        Integer in = usage == null ? null : usage.inputTokenCount();
        Integer out = usage == null ? null : usage.outputTokenCount();
        metrics.llmCall(Duration.ofMillis(millis), true);
        stats.record(millis);
        metrics.llmTokens("input", in);
        metrics.llmTokens("output", out);
        LAST.set(new LlmAnswer(null, in, out, millis));
    }

    @Override
    public void onError(ChatModelErrorContext ctx) {
        metrics.llmCall(Duration.ofMillis(elapsedMillis(ctx.attributes().get(STARTED))), false);
        LAST.remove();
    }

    /** The reply text joined with the figures of the call this thread just made. */
    public LlmAnswer answer(String text) {
        LlmAnswer figures = LAST.get();
        LAST.remove();
        if (figures == null) {
            return new LlmAnswer(text, null, null, 0);
        }
        return new LlmAnswer(text, figures.inputTokens(), figures.outputTokens(), figures.millis());
    }

    private static long elapsedMillis(Object startedNanos) {
        return startedNanos instanceof Long started ? (System.nanoTime() - started) / 1_000_000 : 0;
    }
}

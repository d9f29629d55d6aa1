package io.atende.llm;

import io.atende.support.AtendeMetrics;

import java.time.Duration;

/**
 * Records what each call to one LLM server cost, from the answer the call returned: {@code atende_llm_request_seconds}
 * (success or failure), {@code atende_llm_first_token_seconds}, {@code atende_llm_tokens_total},
 * {@code atende_llm_inflight}, and the recent mean duration behind the busy-notice estimate. The same for every
 * provider, since the figures come from the {@link LlmAnswer}.
 */
final class MeteredLlm implements LlmClient {

    private final LlmClient server;
    private final AtendeMetrics metrics;
    private final LlmStats stats;

    MeteredLlm(LlmClient server, AtendeMetrics metrics, LlmStats stats) {
        this.server = server;
        this.metrics = metrics;
        this.stats = stats;
    }

    @Override
    public LlmAnswer chat(LlmPrompt prompt) {
        long started = System.nanoTime();
        LlmAnswer answer;
        try (AtendeMetrics.InFlight ignored = metrics.llmCallStarted()) {
            answer = server.chat(prompt);
        } catch (RuntimeException e) {
            metrics.llmCall(Duration.ofNanos(System.nanoTime() - started), false);
            throw e;
        }
        metrics.llmCall(Duration.ofMillis(answer.millis()), true);
        stats.record(answer.millis());
        metrics.llmTokens("input", answer.inputTokens());
        metrics.llmTokens("output", answer.outputTokens());
        if (answer.firstTokenMillis() != null) {
            metrics.llmFirstToken(Duration.ofMillis(answer.firstTokenMillis()));
        }
        return answer;
    }
}

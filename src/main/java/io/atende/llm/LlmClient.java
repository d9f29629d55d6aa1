package io.atende.llm;

/**
 * One chat call to the LLM, whichever provider and however many servers are behind it. The conversation route calls
 * it through the {@code llm-breaker} circuit breaker; a failure is an exception (HTTP error, refused connection,
 * timeout, all backends down).
 */
public interface LlmClient {

    LlmAnswer chat(LlmPrompt prompt);
}

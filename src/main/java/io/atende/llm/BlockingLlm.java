package io.atende.llm;

import dev.langchain4j.model.chat.ChatModel;

/**
 * A call that is not streamed ({@code ATENDE_LLM_STREAM=false}): the server sends the whole answer at once, so there is
 * no first-token time. The model's client timeout bounds the call.
 */
final class BlockingLlm implements LlmClient {

    private final ChatModel model;
    private final RequestParameters parameters;

    BlockingLlm(ChatModel model, RequestParameters parameters) {
        this.model = model;
        this.parameters = parameters;
    }

    @Override
    public LlmAnswer chat(LlmPrompt prompt) {
        long started = System.nanoTime();
        return ChatResponses.answer(model.chat(parameters.request(prompt)), started, null);
    }
}

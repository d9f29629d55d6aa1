package io.atende.llm;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;

/**
 * A call that is not streamed ({@code ATENDE_LLM_STREAM=false}): the server sends the whole answer at once, so there is
 * no first-token time. The model's client timeout bounds the call.
 */
final class BlockingLlm implements LlmClient {

    private final ChatModel model;

    BlockingLlm(ChatModel model) {
        this.model = model;
    }

    @Override
    public LlmAnswer chat(LlmPrompt prompt) {
        long started = System.nanoTime();
        return ChatResponses.answer(model.chat(ChatRequest.builder().messages(prompt.messages()).build()), started, null);
    }
}

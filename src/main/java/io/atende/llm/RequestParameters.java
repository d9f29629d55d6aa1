package io.atende.llm;

import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.ollama.OllamaChatRequestParameters;
import dev.langchain4j.model.openai.OpenAiChatRequestParameters;

/**
 * The {@link ChatRequest} of one call: the prompt's messages and its number's {@link LlmOptions}, in the provider's own
 * request parameters. LangChain4j lays them over the model's defaults (set when the model was built), so a prompt
 * without options is sent with the environment's settings.
 */
@FunctionalInterface
interface RequestParameters {

    ChatRequest request(LlmPrompt prompt);

    /**
     * Ollama: {@code num_ctx} is repeated on every call, whatever the number's other options: a call with another
     * {@code num_ctx} would make Ollama reload the model.
     */
    static RequestParameters ollama(int numCtx) {
        return prompt -> {
            ChatRequest.Builder b = ChatRequest.builder().messages(prompt.messages());
            LlmOptions o = prompt.options();
            OllamaChatRequestParameters.Builder p = OllamaChatRequestParameters.builder().numCtx(numCtx);
            if (o != null) {
                p.modelName(o.model()).temperature(o.temperature()).maxOutputTokens(o.numPredict());
            }
            return b.parameters(p.build()).build();
        };
    }

    /** An OpenAI-compatible server: {@code model}, {@code temperature} and {@code max_tokens}. */
    static RequestParameters openAi() {
        return prompt -> {
            ChatRequest.Builder b = ChatRequest.builder().messages(prompt.messages());
            LlmOptions o = prompt.options();
            if (o != null) {
                b.parameters(OpenAiChatRequestParameters.builder().modelName(o.model()).temperature(o.temperature())
                        .maxOutputTokens(o.numPredict()).build());
            }
            return b.build();
        };
    }
}

package io.atende.llm;

import java.util.Locale;

/** Which calls {@code ATENDE_PROMPT_TEMPLATE=auto} renders itself ({@link MistralInstructPrompt}). */
final class PromptTemplates {

    private PromptTemplates() {
    }

    /**
     * True for Mistral 7B instruct, the model whose format {@link MistralInstructPrompt} writes: the name without its
     * registry or namespace and its tag is {@code mistral} ({@code mistral:7b-instruct-v0.3-q4_0},
     * {@code registry.ollama.ai/library/mistral}) or starts with {@code mistral-7b} or {@code mistral-instruct}
     * (GGUF imports such as {@code hf.co/…/Mistral-7B-Instruct-v0.3-GGUF:Q4_K_M}), in any case. Other names that start
     * with "mistral" are other formats: Nemo's Tekken prompt has no spaces after {@code [INST]}, Small 3 has
     * {@code [SYSTEM_PROMPT]} tokens, {@code mistral-openorca} is ChatML; they stay with the server's template.
     */
    static boolean rendersMistral(String model) {
        if (model == null) {
            return false;
        }
        String name = model.strip();
        name = name.substring(name.lastIndexOf('/') + 1);
        int colon = name.indexOf(':');
        if (colon >= 0) {
            name = name.substring(0, colon);
        }
        name = name.toLowerCase(Locale.ROOT);
        return name.equals("mistral") || name.startsWith("mistral-7b") || name.startsWith("mistral-instruct");
    }

    /** {@code auto}: each call to the raw Mistral client or the chat client, by the call's model. */
    static LlmClient perCall(LlmClient chat, LlmClient mistral, String defaultModel) {
        return prompt -> {
            String model = prompt.options() == null ? defaultModel : prompt.options().model();
            return (rendersMistral(model) ? mistral : chat).chat(prompt);
        };
    }
}

package io.atende.conversation;

import io.atende.llm.LlmOptions;
import io.atende.llm.LlmPrompt;
import io.atende.profile.EffectiveProfile;

import java.util.function.Function;

/**
 * The claimed turn (its history and its pending messages) as the LLM's prompt, with its number's profile: the
 * persona, then the business's facts, in the system message of every turn; the number's model, temperature and reply
 * length as the call's options. Each turn reads its own instance's profile, so two numbers' prompts never mix.
 */
public final class ConversationPrompt {

    private final PromptBuilder builder;
    private final Function<String, EffectiveProfile> profiles;
    private final String factsHeading;

    /**
     * @param profiles     the effective profile of an instance ({@code InstanceProfiles::of})
     * @param factsHeading the line the facts come under in the system message
     */
    public ConversationPrompt(PromptBuilder builder, Function<String, EffectiveProfile> profiles, String factsHeading) {
        this.builder = builder;
        this.profiles = profiles;
        this.factsHeading = factsHeading == null ? "" : factsHeading.strip();
    }

    public LlmPrompt build(ClaimedTurn turn) {
        EffectiveProfile p = profiles.apply(turn.instance());
        return new LlmPrompt(builder.build(systemMessage(p), p.numPredict(), turn.history(), turn.texts(),
                turn.historyBlock()),
                new LlmOptions(p.model(), p.temperature(), p.numPredict()),
                new LlmPrompt.CacheKey(turn.instanceId(), turn.conversationId()));
    }

    /**
     * A question asked of a number's profile outside any conversation (the Painel's "testar" box): no history, no
     * cache slot.
     */
    public LlmPrompt preview(EffectiveProfile p, String question) {
        return new LlmPrompt(builder.build(systemMessage(p), p.numPredict(), java.util.List.of(),
                java.util.List.of(question)), new LlmOptions(p.model(), p.temperature(), p.numPredict()));
    }

    /**
     * The persona, then the facts under their heading. The facts come after the persona, not before: the model reads
     * the persona as who it is and the facts as what it knows, and a trimmed system message keeps its beginning.
     */
    String systemMessage(EffectiveProfile p) {
        String persona = p.systemPrompt().strip();
        if (p.facts() == null || p.facts().isBlank()) {
            return persona;
        }
        String facts = p.facts().strip();
        return factsHeading.isEmpty() ? persona + "\n\n" + facts : persona + "\n\n" + factsHeading + "\n" + facts;
    }
}

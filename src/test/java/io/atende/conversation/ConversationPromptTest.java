package io.atende.conversation;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import io.atende.llm.LlmOptions;
import io.atende.llm.LlmPrompt;
import io.atende.profile.EffectiveProfile;
import io.atende.support.Profiles;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Each number's persona, facts and LLM settings in the prompt of its own turns, and only there. */
class ConversationPromptTest {

    static final String HEADING = "Informações do negócio:";

    final Map<String, EffectiveProfile> profiles = Map.of(
            "padaria", Profiles.effective("padaria", """
                    {"systemPrompt":"Você é a atendente da Padaria Trigo.","facts":"Abrimos às 6h.\\nPão francês: R$ 1,00",
                     "model":"llama3.1:8b","temperature":0.2,"numPredict":200}"""),
            "oficina", Profiles.effective("oficina", """
                    {"systemPrompt":"Você é o atendente da Oficina Roda Viva.","facts":"Troca de óleo: R$ 120"}"""));

    ConversationPrompt prompt(int numCtx) {
        return new ConversationPrompt(new PromptBuilder(Profiles.DEFAULTS.systemPrompt(), numCtx, 512, 2000, 3.0),
                i -> profiles.getOrDefault(i, EffectiveProfile.defaults(i, Profiles.DEFAULTS)), HEADING);
    }

    static ClaimedTurn turn(String instance, String... texts) {
        return new ClaimedTurn(1, 1, instance, "5521987654321@s.whatsapp.net", List.of(1L), List.of(texts), List.of());
    }

    static String system(LlmPrompt p) {
        return ((SystemMessage) p.messages().get(0)).text();
    }

    @Test
    void thePersonaThenTheFactsUnderTheirHeadingAreTheSystemMessage() {
        LlmPrompt p = prompt(4096).build(turn("padaria", "que horas abrem?"));

        assertThat(system(p)).isEqualTo("""
                Você é a atendente da Padaria Trigo.

                Informações do negócio:
                Abrimos às 6h.
                Pão francês: R$ 1,00""");
        assertThat(((UserMessage) p.messages().get(1)).singleText()).isEqualTo("que horas abrem?");
    }

    @Test
    void twoNumbersPromptsNeverMix() {
        String padaria = system(prompt(4096).build(turn("padaria", "oi")));
        String oficina = system(prompt(4096).build(turn("oficina", "oi")));

        assertThat(padaria).contains("Padaria Trigo", "Pão francês").doesNotContain("Oficina", "óleo");
        assertThat(oficina).contains("Oficina Roda Viva", "Troca de óleo").doesNotContain("Padaria", "Pão");
    }

    @Test
    void aNumberWithoutAProfileHasTheEnvironmentsPromptAndNoFacts() {
        LlmPrompt p = prompt(4096).build(turn("sem-perfil", "oi"));

        assertThat(system(p)).isEqualTo(Profiles.DEFAULTS.systemPrompt());
        assertThat(p.options()).isEqualTo(new LlmOptions("mistral", 0.7, 512));
    }

    @Test
    void theNumbersModelTemperatureAndReplyLengthAreTheCallsOptions() {
        assertThat(prompt(4096).build(turn("padaria", "oi")).options()).isEqualTo(new LlmOptions("llama3.1:8b", 0.2, 200));
        // what the profile leaves out comes from the environment
        assertThat(prompt(4096).build(turn("oficina", "oi")).options()).isEqualTo(new LlmOptions("mistral", 0.7, 512));
    }

    @Test
    void theHistoryIsTrimmedWithinTheNumbersOwnReplyLengthAndSystemMessage() {
        // num_ctx 1000, 3 chars per token. History of 10 turns of 300 chars: about 104 tokens each.
        List<HistoryTurn> history = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            history.add(new HistoryTurn(i % 2 == 0 ? HistoryTurn.Role.USER : HistoryTurn.Role.ASSISTANT,
                    ("h" + i + " ").repeat(100)));
        }
        Map<String, EffectiveProfile> two = Map.of(
                "curta", Profiles.effective("curta", "{\"numPredict\":100}"),
                "longa", Profiles.effective("longa", "{\"numPredict\":600}"),
                "fatos", Profiles.effective("fatos", "{\"numPredict\":100,\"facts\":\"" + "x".repeat(900) + "\"}"));
        ConversationPrompt builder = new ConversationPrompt(
                new PromptBuilder(Profiles.DEFAULTS.systemPrompt(), 1000, 512, 2000, 3.0), two::get, HEADING);
        PromptBuilder estimator = new PromptBuilder(Profiles.DEFAULTS.systemPrompt(), 1000, 100, 2000, 3.0);

        List<ChatMessage> shortReply = builder.build(new ClaimedTurn(1, 1, "curta", "c", List.of(1L), List.of("oi"), history))
                .messages();
        List<ChatMessage> longReply = builder.build(new ClaimedTurn(1, 1, "longa", "c", List.of(1L), List.of("oi"), history))
                .messages();
        List<ChatMessage> withFacts = builder.build(new ClaimedTurn(1, 1, "fatos", "c", List.of(1L), List.of("oi"), history))
                .messages();

        assertThat(estimator.estimateTokens(shortReply)).isLessThanOrEqualTo(1000 - 100);
        assertThat(estimator.estimateTokens(longReply)).isLessThanOrEqualTo(1000 - 600);
        assertThat(estimator.estimateTokens(withFacts)).isLessThanOrEqualTo(1000 - 100);
        // a longer reply or a longer system message leaves room for fewer earlier turns
        assertThat(longReply.size()).isLessThan(shortReply.size());
        assertThat(withFacts.size()).isLessThan(shortReply.size());
        assertThat(((SystemMessage) withFacts.get(0)).text()).contains(HEADING);
    }
}

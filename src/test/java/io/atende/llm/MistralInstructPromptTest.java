package io.atende.llm;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The raw Mistral prompt: Ollama's mistral-instruct bytes with the system prompt first, and a growing prefix. */
class MistralInstructPromptTest {

    @Test
    void oneUserMessage() {
        assertThat(MistralInstructPrompt.render(List.of(UserMessage.from("Olá, tudo bem?"))))
                .isEqualTo("[INST] Olá, tudo bem?[/INST]");
    }

    @Test
    void systemGoesIntoTheFirstInstOnlyAndTurnsKeepOllamasSpacing() {
        List<ChatMessage> chat = List.of(SystemMessage.from("Você é a Ana.\n\nFatos: abre às 8h."),
                UserMessage.from("Oi"), AiMessage.from("Olá! Como posso ajudar?"), UserMessage.from("Que horas abrem?"));
        assertThat(MistralInstructPrompt.render(chat)).isEqualTo(
                "[INST] Você é a Ana.\n\nFatos: abre às 8h.\n\nOi[/INST] Olá! Como posso ajudar?</s>"
                        + "[INST] Que horas abrem?[/INST]");
    }

    @Test
    void noBosTokenAndTextsGoInAsTheyAre() {
        String p = MistralInstructPrompt.render(List.of(SystemMessage.from(" s "), UserMessage.from(" u ")));
        assertThat(p).isEqualTo("[INST]  s \n\n u [/INST]").doesNotContain("<s>");
    }

    @Test
    void consecutiveMessagesOfOneRoleAndSeveralSystemMessagesAreJoinedByABlankLine() {
        assertThat(MistralInstructPrompt.render(List.of(SystemMessage.from("a"), SystemMessage.from("b"),
                UserMessage.from("u1"), UserMessage.from("u2")))).isEqualTo("[INST] a\n\nb\n\nu1\n\nu2[/INST]");
    }

    @Test
    void aChatMustStartAndEndWithTheUser() {
        assertThatThrownBy(() -> MistralInstructPrompt.render(List.of(SystemMessage.from("s"), AiMessage.from("a"),
                UserMessage.from("u")))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MistralInstructPrompt.render(List.of(UserMessage.from("u"), AiMessage.from("a"))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MistralInstructPrompt.render(List.of(SystemMessage.from("s"))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** What the KV cache reuses: each prompt plus its answer and {@code </s>} opens the next one. */
    @Test
    void aPromptAndItsAnswerArePrefixOfTheNextPrompt() {
        List<ChatMessage> chat = new ArrayList<>(List.of(SystemMessage.from("Persona e fatos.\n\n- item")));
        String previous = null;
        for (int k = 1; k <= 6; k++) {
            chat.add(UserMessage.from("pergunta " + k));
            String prompt = MistralInstructPrompt.render(chat);
            assertThat(prompt).startsWith("[INST] Persona e fatos.\n\n- item\n\npergunta 1[/INST]");
            if (previous != null) {
                assertThat(prompt).startsWith(previous + " resposta " + (k - 1) + "</s>");
            }
            previous = prompt;
            chat.add(AiMessage.from("resposta " + k));
        }
    }

    @Test
    void twoConversationsOfOneNumberShareTheSystemPrompt() {
        String system = "Você é a Ana, da Padaria.";
        String a = MistralInstructPrompt.render(List.of(SystemMessage.from(system), UserMessage.from("pão?")));
        String b = MistralInstructPrompt.render(List.of(SystemMessage.from(system), UserMessage.from("bolo?")));
        assertThat(a).startsWith("[INST] " + system + "\n\n");
        assertThat(b).startsWith("[INST] " + system + "\n\n");
    }
}

package io.atende.llm;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;

import java.util.ArrayList;
import java.util.List;

/**
 * A chat rendered as a Mistral 7B instruct prompt, with the system prompt in the first {@code [INST]}:
 * {@code [INST] {system}\n\n{u1}[/INST] {a1}</s>[INST] {u2}[/INST]}.
 * <p>
 * Byte for byte what Ollama's {@code template/mistral-instruct.gotmpl} (ollama/ollama, unchanged since 413ae39,
 * 2024-08) renders for these messages: it ranges over the messages in order, so a system message that comes first lands
 * in the first {@code [INST]}. The {@code mistral} library model's template (the "Mistral v0.3" example of Ollama's
 * docs/template.md) renders the user and assistant turns the same way but puts the system prompt in the last
 * {@code [INST]}, so that it moves on every turn and nothing after the first {@code [INST]} is shared by two prompts;
 * here it stays first, and a conversation's prompt plus the model's answer and {@code </s>} is the start of its next
 * prompt. No {@code <s>}: Ollama's tokenizer adds the BOS token to a raw prompt itself (tokenizer/vocabulary.go
 * {@code addSpecials}, which warns when the prompt already has one).
 * <p>
 * As with Ollama's templates, the texts go in as they are: a customer who types {@code [INST]} writes the same control
 * token the server's template would have produced from the same text.
 */
final class MistralInstructPrompt {

    private MistralInstructPrompt() {
    }

    /**
     * @param messages system message(s) first, then the user's and the assistant's turns, ending with the user's (as
     *                 {@code PromptBuilder} builds them); consecutive messages of one role are joined with a blank line
     *                 and several system messages likewise, as Ollama does
     */
    static String render(List<ChatMessage> messages) {
        StringBuilder system = null;
        List<Turn> turns = new ArrayList<>();
        for (ChatMessage m : messages) {
            if (m instanceof SystemMessage s) {
                system = system == null ? new StringBuilder(s.text()) : system.append("\n\n").append(s.text());
                continue;
            }
            boolean user;
            String text;
            if (m instanceof UserMessage u) {
                user = true;
                text = u.singleText();
            } else if (m instanceof AiMessage a) {
                user = false;
                text = a.text() == null ? "" : a.text();
            } else {
                throw new IllegalArgumentException("a Mistral prompt holds system, user and assistant messages, not "
                        + m.type());
            }
            Turn last = turns.isEmpty() ? null : turns.get(turns.size() - 1);
            if (last != null && last.user == user) {
                last.text.append("\n\n").append(text);
            } else {
                turns.add(new Turn(user, text));
            }
        }
        if (turns.isEmpty() || !turns.get(0).user || !turns.get(turns.size() - 1).user) {
            throw new IllegalArgumentException("a Mistral prompt starts and ends with the user's turn");
        }
        StringBuilder out = new StringBuilder("[INST] ");
        for (int i = 0; i < turns.size(); i++) {
            Turn t = turns.get(i);
            if (t.user) {
                if (i == 0 && system != null) {
                    out.append(system).append("\n\n");
                }
                out.append(t.text).append("[/INST]");
            } else {
                out.append(' ').append(t.text).append("</s>[INST] ");
            }
        }
        return out.toString();
    }

    private static final class Turn {
        final boolean user;
        final StringBuilder text;

        Turn(boolean user, String text) {
            this.user = user;
            this.text = new StringBuilder(text);
        }
    }
}

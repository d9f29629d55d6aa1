package io.atende.conversation;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ChatMessageType;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import io.atende.conversation.HistoryTurn.Role;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PromptBuilderTest {

    private static final String SYSTEM = "Você é o atendente virtual da Padaria Pão Quente. Responda em português.";

    private static PromptBuilder roomy() {
        return new PromptBuilder(SYSTEM, 4096, 512, 2000, 3.0);
    }

    private static HistoryTurn user(String text) {
        return new HistoryTurn(Role.USER, text);
    }

    private static HistoryTurn assistant(String text) {
        return new HistoryTurn(Role.ASSISTANT, text);
    }

    private static String text(ChatMessage message) {
        if (message instanceof SystemMessage m) {
            return m.text();
        }
        if (message instanceof UserMessage m) {
            return m.singleText();
        }
        return ((AiMessage) message).text();
    }

    private static List<ChatMessageType> types(List<ChatMessage> messages) {
        return messages.stream().map(ChatMessage::type).toList();
    }

    private static List<String> texts(List<ChatMessage> messages) {
        return messages.stream().map(PromptBuilderTest::text).toList();
    }

    private static void assertNoBrokenSurrogates(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                assertThat(i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)))
                        .as("high surrogate at %d of %s is followed by its low half", i, s).isTrue();
                i++;
            } else {
                assertThat(Character.isLowSurrogate(c)).as("lone low surrogate at %d of %s", i, s).isFalse();
            }
        }
    }

    @Test
    void systemThenHistoryThenPendingJoinedOldestFirst() {
        List<ChatMessage> messages = roomy().build(
                List.of(user("Oi"), assistant("Olá! Como posso ajudar?")),
                List.of("Qual o horário de vocês?", "E no sábado?"));

        assertThat(types(messages)).containsExactly(
                ChatMessageType.SYSTEM, ChatMessageType.USER, ChatMessageType.AI, ChatMessageType.USER);
        assertThat(texts(messages)).containsExactly(
                SYSTEM, "Oi", "Olá! Como posso ajudar?", "Qual o horário de vocês?\nE no sábado?");
    }

    @Test
    void emptyOrNullHistoryGivesSystemAndPendingOnly() {
        for (List<HistoryTurn> history : java.util.Arrays.asList(List.<HistoryTurn>of(), null)) {
            List<ChatMessage> messages = roomy().build(history, List.of("Bom dia"));
            assertThat(types(messages)).containsExactly(ChatMessageType.SYSTEM, ChatMessageType.USER);
            assertThat(texts(messages)).containsExactly(SYSTEM, "Bom dia");
        }
    }

    @Test
    void consecutiveTurnsOfOneRoleAreMergedIncludingTrailingUserWithPending() {
        List<ChatMessage> messages = roomy().build(
                List.of(user("a"), user("b"), assistant("c"), assistant("d"), user("e")),
                List.of("f", "g"));

        assertThat(types(messages)).containsExactly(
                ChatMessageType.SYSTEM, ChatMessageType.USER, ChatMessageType.AI, ChatMessageType.USER);
        assertThat(texts(messages)).containsExactly(SYSTEM, "a\nb", "c\nd", "e\nf\ng");
    }

    @Test
    void leadingAssistantTurnsAreDropped() {
        List<ChatMessage> messages = roomy().build(
                List.of(assistant("Promoção de hoje!"), assistant("Só até 18h"), user("Quanto custa?"),
                        assistant("R$ 10")),
                List.of("Quero dois"));

        assertThat(texts(messages)).containsExactly(SYSTEM, "Quanto custa?", "R$ 10", "Quero dois");
        assertThat(messages.get(1).type()).isEqualTo(ChatMessageType.USER);

        List<ChatMessage> onlyAssistant = roomy().build(List.of(assistant("Olá")), List.of("Oi"));
        assertThat(texts(onlyAssistant)).containsExactly(SYSTEM, "Oi");
    }

    @Test
    void blankTextsAreIgnored() {
        List<ChatMessage> messages = roomy().build(
                List.of(user("  "), assistant("x"), user("pergunta"), assistant("\n")),
                java.util.Arrays.asList("  ", null, "oi"));

        // The blank assistant turn vanishes, so "pergunta" becomes the trailing user turn.
        assertThat(texts(messages)).containsExactly(SYSTEM, "pergunta\noi");
    }

    @Test
    void longTextsAreTruncatedKeepingTheStartWithAnEllipsis() {
        PromptBuilder builder = new PromptBuilder(SYSTEM, 4096, 512, 20, 3.0);
        String longHistory = "0123456789".repeat(5);
        String longPending = "abcdefghij".repeat(5);

        List<ChatMessage> messages = builder.build(List.of(user(longHistory), assistant("ok")), List.of(longPending, "curta"));

        assertThat(text(messages.get(1))).hasSize(20).isEqualTo(longHistory.substring(0, 19) + "…");
        // Each pending text is cut on its own, so the newest one survives whole.
        assertThat(text(messages.get(3))).isEqualTo(longPending.substring(0, 19) + "…\ncurta");
        assertThat(text(messages.get(0))).as("the system prompt is not a message text").isEqualTo(SYSTEM);
    }

    @Test
    void portugueseAccentsAndEmojiSurviveEveryCutPosition() {
        String text = "Olá, João! Ação de Natal: pão, café e açúcar 🎄😀👍🏽 com 20% de desconto ❤️ até amanhã";
        for (int max = 2; max <= text.length() + 1; max++) {
            PromptBuilder builder = new PromptBuilder(SYSTEM, 4096, 512, max, 3.0);
            List<ChatMessage> messages = builder.build(List.of(user(text), assistant(text)), List.of(text));
            for (ChatMessage message : messages.subList(1, messages.size())) {
                String t = text(message);
                assertNoBrokenSurrogates(t);
                assertThat(t.length()).isLessThanOrEqualTo(max);
                String kept = t.endsWith("…") && t.length() < text.length() ? t.substring(0, t.length() - 1) : t;
                assertThat(text).startsWith(kept);
            }
        }
        List<ChatMessage> whole = roomy().build(List.of(), List.of(text));
        assertThat(text(whole.get(1))).isEqualTo(text);
    }

    @Test
    void estimateIsCharsOverCharsPerTokenRoundedUpPlusOverhead() {
        PromptBuilder builder = new PromptBuilder(SYSTEM, 4096, 512, 2000, 3.5);
        assertThat(builder.estimateTokens("")).isEqualTo(4);
        assertThat(builder.estimateTokens((String) null)).isEqualTo(4);
        assertThat(builder.estimateTokens("1234567")).isEqualTo(2 + 4);
        assertThat(builder.estimateTokens("12345678")).isEqualTo(3 + 4);
        assertThat(builder.budget()).isEqualTo(4096 - 512);
    }

    @Test
    void oldestHistoryIsDroppedFirstAndTheRestFitsTheBudget() {
        // 100-char turns cost ceil(100 / 4) + 4 = 29 tokens each; the budget is 400 tokens.
        PromptBuilder builder = new PromptBuilder("Seja breve.", 500, 100, 2000, 4.0);
        List<HistoryTurn> history = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String text = String.format("turno %02d. ", i).repeat(10).strip() + "!";
            history.add(i % 2 == 0 ? user(text) : assistant(text));
        }

        List<ChatMessage> messages = builder.build(history, List.of("E agora?"));

        assertThat(builder.estimateTokens(messages)).isLessThanOrEqualTo(builder.budget());
        List<String> kept = texts(messages.subList(1, messages.size() - 1));
        assertThat(kept).isNotEmpty().hasSizeLessThan(history.size());
        // The newest turns survive, as one contiguous run that starts with the customer.
        List<String> newest = history.subList(history.size() - kept.size(), history.size()).stream()
                .map(HistoryTurn::text).toList();
        assertThat(kept).isEqualTo(newest);
        assertThat(messages.get(1).type()).isEqualTo(ChatMessageType.USER);
        // Nothing more could have fit: the next older user/assistant pair would overflow.
        int firstKept = history.size() - kept.size();
        int withOlderPair = builder.estimateTokens(messages)
                + builder.estimateTokens(history.get(firstKept - 2).text())
                + builder.estimateTokens(history.get(firstKept - 1).text());
        assertThat(withOlderPair).isGreaterThan(builder.budget());
        assertThat(text(messages.get(messages.size() - 1))).isEqualTo("E agora?");
    }

    @Test
    void trailingUserTurnIsHistoryAndGoesWhenOnlyThePendingMessageFits() {
        String old = "x".repeat(200);
        // Budget 60 tokens, 1 char per token: the system (4 + 4) and the pending message (4 + 4) fit,
        // the unanswered earlier message of 200 chars does not.
        PromptBuilder builder = new PromptBuilder("Seja", 160, 100, 1000, 1.0);
        List<ChatMessage> messages = builder.build(
                List.of(user("olá"), assistant("oi"), user(old)), List.of("oi?!"));

        assertThat(texts(messages)).containsExactly("Seja", "oi?!");
        assertThat(builder.estimateTokens(messages)).isLessThanOrEqualTo(builder.budget());

        // One token short of everything: the older pair goes, the unanswered message rides along with the pending one.
        PromptBuilder tighter = new PromptBuilder("Seja", 329, 100, 1000, 1.0);
        List<ChatMessage> some = tighter.build(List.of(user("olá"), assistant("oi"), user(old)), List.of("oi?!"));
        assertThat(texts(some)).containsExactly("Seja", old + "\noi?!");

        // Exactly enough room: everything is sent.
        PromptBuilder roomier = new PromptBuilder("Seja", 330, 100, 1000, 1.0);
        List<ChatMessage> all = roomier.build(List.of(user("olá"), assistant("oi"), user(old)), List.of("oi?!"));
        assertThat(texts(all)).containsExactly("Seja", "olá", "oi", old + "\noi?!");
        assertThat(roomier.estimateTokens(all)).isEqualTo(roomier.budget()).isEqualTo(8 + 7 + 6 + 209);
    }

    @Test
    void pendingMessageIsAlwaysSentEvenWhenItAloneOverflows() {
        PromptBuilder builder = new PromptBuilder(SYSTEM, 400, 100, 100_000, 3.0);
        String huge = "Preciso de ajuda com meu pedido. ".repeat(300);

        List<ChatMessage> messages = builder.build(
                List.of(user("oi"), assistant("Olá!")), List.of(huge, "Alguém aí?"));

        assertThat(types(messages)).containsExactly(ChatMessageType.SYSTEM, ChatMessageType.USER);
        assertThat(text(messages.get(0))).isEqualTo(SYSTEM);
        String pending = text(messages.get(1));
        assertThat(pending).startsWith("Preciso de ajuda com meu pedido.").endsWith("…");
        assertThat(builder.estimateTokens(messages)).isLessThanOrEqualTo(builder.budget());
    }

    @Test
    void oversizedSystemPromptIsCutToHalfTheBudgetButKept() {
        String longSystem = "Regra importante número um. ".repeat(200);
        PromptBuilder builder = new PromptBuilder(longSystem, 1000, 200, 2000, 3.0);

        List<ChatMessage> messages = builder.build(List.of(user("oi"), assistant("olá")), List.of("Qual o preço?"));

        String system = text(messages.get(0));
        assertThat(messages.get(0).type()).isEqualTo(ChatMessageType.SYSTEM);
        assertThat(system).startsWith("Regra importante número um.").endsWith("…");
        assertThat(builder.estimateTokens(system)).isLessThanOrEqualTo(builder.budget() / 2);
        assertThat(text(messages.get(messages.size() - 1))).isEqualTo("Qual o preço?");
        // The half the system prompt gave up makes room for the history.
        assertThat(texts(messages)).containsExactly(system, "oi", "olá", "Qual o preço?");
        assertThat(builder.estimateTokens(messages)).isLessThanOrEqualTo(builder.budget());
    }

    @Test
    void systemPromptAndPendingBothCutWhenBothOverflow() {
        String longSystem = "s".repeat(5000);
        String longPending = "p".repeat(5000);
        PromptBuilder builder = new PromptBuilder(longSystem, 1000, 200, 100_000, 3.0);

        List<ChatMessage> messages = builder.build(List.of(), List.of(longPending));

        assertThat(builder.estimateTokens(text(messages.get(0)))).isLessThanOrEqualTo(400);
        assertThat(text(messages.get(1))).startsWith("ppp").endsWith("…");
        assertThat(builder.estimateTokens(messages)).isLessThanOrEqualTo(builder.budget())
                .as("the cut is tight, not wasteful").isGreaterThan(builder.budget() - 3);
    }

    @Test
    void returnsAMutableArrayList() {
        List<ChatMessage> messages = roomy().build(List.of(user("oi")), List.of("tudo bem?"));

        messages.set(0, SystemMessage.from("outro"));
        messages.add(UserMessage.from("mais"));
        assertThat(texts(messages)).containsExactly("outro", "oi\ntudo bem?", "mais");
    }

    @Test
    void rejectsInvalidArguments() {
        assertThatThrownBy(() -> new PromptBuilder(" ", 4096, 512, 2000, 3.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PromptBuilder(null, 4096, 512, 2000, 3.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PromptBuilder(SYSTEM, 0, 0, 2000, 3.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PromptBuilder(SYSTEM, 4096, 4096, 2000, 3.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PromptBuilder(SYSTEM, 4096, -1, 2000, 3.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PromptBuilder(SYSTEM, 4096, 512, 1, 3.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PromptBuilder(SYSTEM, 4096, 512, 2000, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PromptBuilder(SYSTEM, 4096, 512, 2000, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PromptBuilder(SYSTEM, 4096, 512, 2000, Double.POSITIVE_INFINITY)).isInstanceOf(IllegalArgumentException.class);
        // 4096 - 4090 = 6 tokens cannot hold a system prompt and a question.
        assertThatThrownBy(() -> new PromptBuilder(SYSTEM, 4096, 4090, 2000, 3.0)).isInstanceOf(IllegalArgumentException.class);

        PromptBuilder builder = roomy();
        assertThatThrownBy(() -> builder.build(List.of(), List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.build(List.of(), List.of(" ", "\n"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.build(List.of(), null)).isInstanceOf(NullPointerException.class);
    }

    // ---------------------------------------------------------------- history trimmed in blocks

    /** A budget of about a dozen history messages of this size: a long conversation must be trimmed. */
    private static PromptBuilder tight() {
        return new PromptBuilder(SYSTEM, 300, 100, 2000, 3.0);
    }

    /** The first history message of each prompt of a conversation growing by one exchange per turn. */
    private static List<String> firstHistoryMessages(PromptBuilder builder, int block, int exchanges) {
        List<HistoryTurn> history = new ArrayList<>();
        List<String> firsts = new ArrayList<>();
        for (int k = 1; k <= exchanges; k++) {
            List<ChatMessage> prompt = builder.build(SYSTEM, 100, history, List.of("pergunta número " + k + " do cliente"),
                    block);
            firsts.add(prompt.size() > 2 ? text(prompt.get(1)) : "");
            history.add(user("pergunta número " + k + " do cliente"));
            history.add(assistant("resposta número " + k + " da padaria"));
        }
        return firsts;
    }

    /** The turns (indexes) whose prompt opens its history with another message than the turn before. */
    private static List<Integer> changes(List<String> firsts) {
        List<Integer> at = new ArrayList<>();
        for (int k = 1; k < firsts.size(); k++) {
            if (!firsts.get(k - 1).isEmpty() && !firsts.get(k).equals(firsts.get(k - 1))) {
                at.add(k);
            }
        }
        return at;
    }

    @Test
    void blocksOfFourKeepTheFirstHistoryMessageForFourHistoryEntries() {
        List<Integer> changes = changes(firstHistoryMessages(tight(), 4, 40));
        assertThat(changes).as("the history was trimmed at all").hasSizeGreaterThan(5);
        // Each turn adds two history entries (question and answer): four entries are two turns.
        for (int i = 1; i < changes.size(); i++) {
            assertThat(changes.get(i) - changes.get(i - 1)).as("turns between changes of the start: %s", changes)
                    .isGreaterThanOrEqualTo(2);
        }
        assertThat(firstHistoryMessages(tight(), 4, 40)).allSatisfy(f -> assertThat(f).doesNotStartWith("resposta"));
    }

    @Test
    void blocksOfOneTrimTurnByTurnAsBefore() {
        PromptBuilder b = tight();
        List<HistoryTurn> history = new ArrayList<>();
        for (int k = 1; k <= 40; k++) {
            List<String> pending = List.of("pergunta número " + k + " do cliente");
            assertThat(b.build(SYSTEM, 100, history, pending, 1)).isEqualTo(b.build(SYSTEM, 100, history, pending));
            history.add(user("pergunta número " + k + " do cliente"));
            history.add(assistant("resposta número " + k + " da padaria"));
        }
        // Once the budget is full, every turn moves the start.
        List<Integer> changes = changes(firstHistoryMessages(b, 1, 40));
        int full = changes.get(0);
        assertThat(changes).containsExactlyElementsOf(java.util.stream.IntStream.range(full, 40).boxed().toList());
    }

    @Test
    void aBlockThatEndsInsideAnExchangeStillOpensWithTheUser() {
        List<HistoryTurn> history = new ArrayList<>();
        for (int k = 1; k <= 30; k++) {
            history.add(user("pergunta número " + k + " do cliente"));
            history.add(assistant("resposta número " + k + " da padaria"));
        }
        List<ChatMessage> prompt = tight().build(SYSTEM, 100, history, List.of("mais uma"), 3);
        assertThat(prompt.get(1)).isInstanceOf(UserMessage.class);
        assertThat(tight().estimateTokens(prompt)).isLessThanOrEqualTo(200);
        // Dropped three at a time from the start: the cut falls at entry 3k, and an answer opening it is dropped too.
        int firstKept = Integer.parseInt(text(prompt.get(1)).replaceAll("\\D", ""));
        assertThat((2 * (firstKept - 1)) % 3 == 0 || (2 * (firstKept - 1) - 1) % 3 == 0).isTrue();
    }

    @Test
    void blocksApplyOnlyWhenTheHistoryMustBeTrimmed() {
        List<HistoryTurn> history = List.of(user("oi"), assistant("olá"), user("tudo bem?"));
        assertThat(roomy().build(SYSTEM, 512, history, List.of("e aí"), 4))
                .isEqualTo(roomy().build(SYSTEM, 512, history, List.of("e aí")));
        assertThatThrownBy(() -> roomy().build(SYSTEM, 512, history, List.of("e aí"), 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(roomy().build(SYSTEM, 512, null, List.of("e aí"), 4)).hasSize(2);
    }
}

package io.atende.conversation;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds the chat sent to the LLM: system prompt, as much recent history as fits the context window, then the
 * customer's pending messages.
 * <p>
 * Lengths are counted in UTF-16 chars ({@link String#length()}): an emoji counts as two, which errs on the side of
 * more tokens, never fewer. The token count is an estimate (no tokenizer runs here), so {@code charsPerToken} should
 * err low: accented text and emoji take more tokens per char than plain English does.
 */
public final class PromptBuilder {

    /** Tokens the chat template adds around each message ({@code [INST]}, role markers, separators). */
    static final int MESSAGE_OVERHEAD_TOKENS = 4;

    static final String ELLIPSIS = "…";

    private final String systemPrompt;
    private final int numCtx;
    private final int reservedForReply;
    private final int maxMessageChars;
    private final double charsPerToken;

    /**
     * @param systemPrompt     instructions for the model, never blank
     * @param numCtx           the model's context window in tokens (Ollama {@code num_ctx})
     * @param reservedForReply tokens kept free for the answer ({@code num_predict}); less than {@code numCtx}
     * @param maxMessageChars  longest text taken from any single message, history or pending (at least 2)
     * @param charsPerToken    average characters per token used to estimate the prompt's size
     */
    public PromptBuilder(String systemPrompt, int numCtx, int reservedForReply, int maxMessageChars,
                         double charsPerToken) {
        if (systemPrompt == null || systemPrompt.isBlank()) {
            throw new IllegalArgumentException("systemPrompt must not be blank");
        }
        if (numCtx <= 0) {
            throw new IllegalArgumentException("numCtx must be positive: " + numCtx);
        }
        if (reservedForReply < 0 || reservedForReply >= numCtx) {
            throw new IllegalArgumentException(
                    "reservedForReply must be in [0, numCtx): " + reservedForReply + " with numCtx " + numCtx);
        }
        // 2 = one kept char plus the ellipsis, the least a truncated message can hold.
        if (maxMessageChars < 2) {
            throw new IllegalArgumentException("maxMessageChars must be at least 2: " + maxMessageChars);
        }
        if (!(charsPerToken > 0) || Double.isInfinite(charsPerToken)) {
            throw new IllegalArgumentException("charsPerToken must be positive and finite: " + charsPerToken);
        }
        this.systemPrompt = systemPrompt.strip();
        this.numCtx = numCtx;
        this.reservedForReply = reservedForReply;
        this.maxMessageChars = maxMessageChars;
        this.charsPerToken = charsPerToken;
        // The system prompt may be cut to half the budget and the pending message gets the rest: both halves must
        // hold at least one char and the ellipsis, or build() could not honour its guarantees.
        int minimal = estimateTokens(2);
        if (budget() / 2 < minimal) {
            throw new IllegalArgumentException("numCtx - reservedForReply = " + budget()
                    + " tokens is too small for a prompt; need at least " + 2 * minimal);
        }
    }

    /** Tokens available to the prompt: the context window less what is kept for the reply. */
    public int budget() {
        return numCtx - reservedForReply;
    }

    /** Estimated tokens of one message holding {@code text}, template overhead included. */
    public int estimateTokens(String text) {
        return estimateTokens(text == null ? 0 : text.length());
    }

    /** Estimated tokens of a whole chat as {@link #build} returns it (for checks and metrics). */
    public int estimateTokens(List<? extends ChatMessage> messages) {
        long total = 0;
        for (ChatMessage message : messages) {
            total += estimateTokens(textOf(message));
        }
        return (int) Math.min(Integer.MAX_VALUE, total);
    }

    /**
     * @param history      earlier turns, oldest first; may be null or empty
     * @param pendingTexts the customer's messages awaiting an answer, oldest first; at least one not blank
     * @return system message, history that fits the budget, and one user message
     */
    public List<ChatMessage> build(List<HistoryTurn> history, List<String> pendingTexts) {
        return build(systemPrompt, reservedForReply, history, pendingTexts);
    }

    /**
     * As {@link #build(List, List)}, with one number's own system message (its persona and facts) and reply length.
     * A reply length that would leave no room for a prompt is capped to leave the least one (num_ctx is the same for
     * every number, see {@code LlmOptions}).
     *
     * @param systemPrompt     the number's system message, never blank
     * @param reservedForReply the number's {@code num_predict}
     */
    public List<ChatMessage> build(String systemPrompt, int reservedForReply, List<HistoryTurn> history,
                                   List<String> pendingTexts) {
        return build(systemPrompt, reservedForReply, history, pendingTexts, 1);
    }

    /**
     * As {@link #build(String, int, List, List)}, trimming the history in whole blocks: when it does not all fit, the
     * oldest entries of {@code history} as given (before runs of one role are merged) are dropped
     * {@code historyBlock} at a time, counted from its start, until the rest fits; then the usual rules apply
     * (leading assistant turns dropped, a trailing user turn merged with the pending messages). The prompt then keeps
     * its first history message while the conversation grows, until a whole further block must go, so the server's
     * cached prefix of the previous prompt stays usable. 1 is turn by turn.
     *
     * @param history      earlier turns, oldest first, starting at a block boundary of the caller's
     * @param historyBlock history entries dropped together, at least 1
     */
    public List<ChatMessage> build(String systemPrompt, int reservedForReply, List<HistoryTurn> history,
                                   List<String> pendingTexts, int historyBlock) {
        if (systemPrompt == null || systemPrompt.isBlank()) {
            throw new IllegalArgumentException("systemPrompt must not be blank");
        }
        if (historyBlock < 1) {
            throw new IllegalArgumentException("historyBlock must be at least 1: " + historyBlock);
        }
        String pending = joinPending(pendingTexts);
        int budget = numCtx - Math.max(0, Math.min(reservedForReply, numCtx - 2 * estimateTokens(2)));

        // The system prompt and the customer's question are never dropped, only shortened, and only when they
        // alone overflow: the system prompt first (to at most half the budget), then the question.
        String system = systemPrompt.strip();
        if (estimateTokens(system) + estimateTokens(pending) > budget) {
            if (estimateTokens(system) > budget / 2) {
                system = truncate(system, maxCharsFor(budget / 2));
            }
            int left = budget - estimateTokens(system);
            if (estimateTokens(pending) > left) {
                pending = truncate(pending, maxCharsFor(left));
            }
        }

        List<HistoryTurn> turns = normalize(history);
        int start = firstKept(turns, system, pending, budget);
        if (historyBlock > 1 && start > 0) {
            List<HistoryTurn> raw = history;
            int from = 0;
            do {
                from = Math.min(raw.size(), from + historyBlock);
                turns = normalize(raw.subList(from, raw.size()));
                start = firstKept(turns, system, pending, budget);
            } while (start > 0 && from < raw.size());
        }

        int n = turns.size();
        boolean userTail = n > 0 && turns.get(n - 1).role() == HistoryTurn.Role.USER;
        int tail = userTail ? n - 1 : n;
        String finalWithTail = userTail ? turns.get(tail).text() + "\n" + pending : pending;
        ArrayList<ChatMessage> messages = new ArrayList<>(n - start + 2);
        messages.add(SystemMessage.from(system));
        for (int i = start; i < tail; i++) {
            HistoryTurn turn = turns.get(i);
            messages.add(turn.role() == HistoryTurn.Role.USER ? UserMessage.from(turn.text()) : AiMessage.from(turn.text()));
        }
        messages.add(UserMessage.from(start <= tail && userTail ? finalWithTail : pending));
        return messages;
    }

    /** The index of the first of {@code turns} kept when the oldest are dropped turn by turn until the prompt fits. */
    private int firstKept(List<HistoryTurn> turns, String system, String pending, int budget) {
        // A trailing USER turn (an earlier message that got no answer) is sent in the same user message as the
        // pending ones, so user and assistant keep alternating.
        int n = turns.size();
        boolean userTail = n > 0 && turns.get(n - 1).role() == HistoryTurn.Role.USER;
        int tail = userTail ? n - 1 : n;
        String finalWithTail = userTail ? turns.get(tail).text() + "\n" + pending : pending;

        long middle = 0;
        for (int i = 0; i < tail; i++) {
            middle += estimateTokens(turns.get(i).text());
        }
        long fixed = estimateTokens(system);
        int start = 0;
        while (start < n) {
            long last = estimateTokens(start <= tail && userTail ? finalWithTail : pending);
            if (fixed + middle + last <= budget) {
                break;
            }
            // Oldest first: drop the leading USER turn, then the ASSISTANT turns that would now open the chat.
            do {
                if (start < tail) {
                    middle -= estimateTokens(turns.get(start).text());
                }
                start++;
            } while (start < n && turns.get(start).role() == HistoryTurn.Role.ASSISTANT);
        }
        return start;
    }

    private String joinPending(List<String> pendingTexts) {
        Objects.requireNonNull(pendingTexts, "pendingTexts");
        StringBuilder joined = new StringBuilder();
        for (String text : pendingTexts) {
            if (text == null || text.isBlank()) {
                continue;
            }
            if (!joined.isEmpty()) {
                joined.append('\n');
            }
            joined.append(truncate(text.strip(), maxMessageChars));
        }
        if (joined.isEmpty()) {
            throw new IllegalArgumentException("pendingTexts must hold at least one non-blank text");
        }
        return joined.toString();
    }

    /** Strips and truncates each text, skips blank ones, merges runs of one role, drops leading ASSISTANT turns. */
    private List<HistoryTurn> normalize(List<HistoryTurn> history) {
        List<HistoryTurn> turns = new ArrayList<>();
        if (history == null) {
            return turns;
        }
        for (HistoryTurn turn : history) {
            if (turn == null || turn.text().isBlank()) {
                continue;
            }
            if (turns.isEmpty() && turn.role() == HistoryTurn.Role.ASSISTANT) {
                // Mistral's template rejects a chat whose first non-system turn is not the user's.
                continue;
            }
            String text = truncate(turn.text().strip(), maxMessageChars);
            int last = turns.size() - 1;
            if (last >= 0 && turns.get(last).role() == turn.role()) {
                turns.set(last, new HistoryTurn(turn.role(), turns.get(last).text() + "\n" + text));
            } else {
                turns.add(new HistoryTurn(turn.role(), text));
            }
        }
        return turns;
    }

    private int estimateTokens(int chars) {
        return (int) Math.min(Integer.MAX_VALUE, (long) Math.ceil(chars / charsPerToken) + MESSAGE_OVERHEAD_TOKENS);
    }

    /** The most chars whose estimate stays within {@code tokens}, never less than 2 (checked in the constructor). */
    private int maxCharsFor(int tokens) {
        long chars = (long) Math.floor((tokens - MESSAGE_OVERHEAD_TOKENS) * charsPerToken);
        chars = Math.max(2, Math.min(Integer.MAX_VALUE, chars));
        // Floating point may put the floor one step too high.
        while (chars > 2 && estimateTokens((int) chars) > tokens) {
            chars--;
        }
        return (int) chars;
    }

    /**
     * Keeps the start of {@code text} so that the result, ellipsis included, has at most {@code maxChars} chars.
     * The cut never falls between the two halves of a surrogate pair (emoji), which would garble the text.
     */
    static String truncate(String text, int maxChars) {
        if (text.length() <= maxChars) {
            return text;
        }
        int end = maxChars - ELLIPSIS.length();
        if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end).stripTrailing() + ELLIPSIS;
    }

    private static String textOf(ChatMessage message) {
        if (message instanceof SystemMessage system) {
            return system.text();
        }
        if (message instanceof UserMessage user) {
            return user.hasSingleText() ? user.singleText() : "";
        }
        if (message instanceof AiMessage ai) {
            return ai.text();
        }
        return "";
    }
}

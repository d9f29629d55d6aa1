package io.atende.conversation;

/**
 * The history a claimed turn carries, in blocks: the window drops whole blocks of B messages from the conversation's
 * start instead of sliding one message per turn, so a prompt's beginning (which a slot's KV cache holds) stays the same
 * for B turns. The claim (V15__cache_affinity.sql) applies the same formula in SQL.
 */
public final class HistoryWindow {

    private HistoryWindow() {
    }

    /**
     * The block B for a window of {@code historyTurns} messages: the setting (ATENDE_HISTORY_BLOCK), or half the
     * window when it is 0 (auto); at least 1 (the plain sliding window) and at most the window.
     */
    public static int block(int historyTurns, int setting) {
        int b = setting > 0 ? setting : historyTurns / 2;
        return Math.min(Math.max(b, 1), Math.max(historyTurns, 1));
    }

    /**
     * Of {@code total} history messages, how many the prompt keeps (the newest): all when they fit in the window,
     * else {@code total - ceil((total - window) / block) * block}, between {@code window - block + 1} and
     * {@code window}, starting at a multiple of the block.
     */
    public static int kept(int total, int historyTurns, int block) {
        if (total <= historyTurns) {
            return total;
        }
        return total - ((total - historyTurns + block - 1) / block) * block;
    }
}

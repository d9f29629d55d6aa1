package io.atende.reply;

/** How many sendText attempts a reply part gets before it is given up (ATENDE_SEND_MAX_ATTEMPTS, first attempt included). */
public final class SendRetryPolicy {

    private final int maxAttempts;

    public SendRetryPolicy(int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("atende.send.max-attempts must be at least 1");
        }
        this.maxAttempts = maxAttempts;
    }

    /**
     * @param redeliveryCounter Camel's CamelRedeliveryCounter when the retry is decided: the number of attempts
     *                          that have failed so far (1 after the first attempt)
     */
    public boolean retry(Integer redeliveryCounter) {
        int attemptsMade = Math.max(1, redeliveryCounter == null ? 0 : redeliveryCounter);
        return attemptsMade < maxAttempts;
    }
}

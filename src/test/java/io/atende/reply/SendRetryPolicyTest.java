package io.atende.reply;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SendRetryPolicyTest {

    @Test
    void retriesUntilTheConfiguredNumberOfAttemptsWasMade() {
        SendRetryPolicy policy = new SendRetryPolicy(3);
        assertThat(policy.retry(1)).as("after the 1st attempt").isTrue();
        assertThat(policy.retry(2)).as("after the 2nd attempt").isTrue();
        assertThat(policy.retry(3)).as("after the 3rd attempt").isFalse();
    }

    @Test
    void oneAttemptMeansNoRetry() {
        assertThat(new SendRetryPolicy(1).retry(1)).isFalse();
        assertThatThrownBy(() -> new SendRetryPolicy(0)).isInstanceOf(IllegalArgumentException.class);
    }
}

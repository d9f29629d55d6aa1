package io.atende.painel;

import io.atende.support.GatewayClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class LoginRateLimiterTest {

    final GatewayClock clock = new GatewayClock();
    final LoginRateLimiter limiter = new LoginRateLimiter(5, Duration.ofMinutes(1), clock);

    @Test
    void fiveFailuresInAMinuteRefuseTheAddressWithRetryAfterUntilTheOldestLeavesTheWindow() {
        for (int i = 0; i < 5; i++) {
            limiter.check("10.0.0.1");
            limiter.failed("10.0.0.1");
            clock.advance(Duration.ofSeconds(1));
        }
        PainelException refused = catchThrowableOfType(PainelException.class, () -> limiter.check("10.0.0.1"));
        assertThat(refused.problem().status()).isEqualTo(429);
        assertThat(refused.problem().retryAfterSeconds()).isBetween(54, 56);
        assertThatCode(() -> limiter.check("10.0.0.2")).as("another address").doesNotThrowAnyException();

        clock.advance(Duration.ofSeconds(56));
        assertThatCode(() -> limiter.check("10.0.0.1")).doesNotThrowAnyException();
    }

    @Test
    void aSuccessForgetsTheFailures() {
        for (int i = 0; i < 4; i++) {
            limiter.failed("10.0.0.1");
        }
        limiter.succeeded("10.0.0.1");
        limiter.failed("10.0.0.1");
        assertThatCode(() -> limiter.check("10.0.0.1")).doesNotThrowAnyException();
    }

    @Test
    void manyAddressesDoNotGrowWithoutBound() {
        for (int i = 0; i < LoginRateLimiter.MAX_ADDRESSES + 100; i++) {
            limiter.failed("a" + i);
        }
        assertThatCode(() -> limiter.check("a0")).as("the oldest was forgotten").doesNotThrowAnyException();
    }
}

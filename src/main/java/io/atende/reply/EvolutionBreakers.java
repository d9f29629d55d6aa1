package io.atende.reply;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;

/**
 * One circuit breaker per Evolution API instance (WhatsApp number): a disconnected number fails fast on its own
 * breaker and never slows the others down. Breaker states are exported as resilience4j_circuitbreaker_* metrics.
 * <p>
 * Per-instance breakers need a name per instance at run time, which the circuitBreaker EIP (one breaker per
 * route node) cannot give, hence Resilience4j's registry directly.
 */
public final class EvolutionBreakers {

    private final CircuitBreakerRegistry registry;

    public EvolutionBreakers(float failureRatePercent, int minimumCalls, int slidingWindow, Duration openWait,
                             MeterRegistry meters) {
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .failureRateThreshold(failureRatePercent)
                .minimumNumberOfCalls(minimumCalls)
                .slidingWindowSize(slidingWindow)
                .waitDurationInOpenState(openWait)
                .permittedNumberOfCallsInHalfOpenState(1)
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .build();
        this.registry = CircuitBreakerRegistry.of(config);
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(registry).bindTo(meters);
    }

    public CircuitBreaker forInstance(String instance) {
        return registry.circuitBreaker("evolution-send-" + instance);
    }
}

package io.atende.reply;

import io.atende.profile.InstanceProfiles;
import io.atende.store.Transactions;
import io.atende.support.AtendeMetrics;
import io.atende.support.GatewayClock;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.BeanInject;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.PropertyInject;

import java.time.Clock;
import java.time.Duration;

/**
 * Replies out through Evolution's sendText: attempts, breakers, retries and the check for unconfirmed sends; and the
 * "digitando…" presences while the model writes.
 */
public class ReplyConfiguration implements CamelConfiguration {

    @BindToRegistry(value = "deliveryStore", lazy = true)
    public DeliveryStore deliveryStore(Transactions tx, AtendeMetrics metrics, GatewayClock clock) {
        return new DeliveryStore(tx, metrics, clock);
    }

    /** One breaker per Evolution instance, so one disconnected number never blocks the others. */
    @BindToRegistry(value = "evolutionBreakers", lazy = true)
    public EvolutionBreakers evolutionBreakers(@BeanInject("metricsRegistry") MeterRegistry meters,
                                               @PropertyInject("atende.send.breaker.failure-rate") int failureRate,
                                               @PropertyInject("atende.send.breaker.minimum-calls") int minimumCalls,
                                               @PropertyInject("atende.send.breaker.window") int window,
                                               @PropertyInject("atende.send.breaker.open-seconds") int openSeconds) {
        return new EvolutionBreakers(failureRate, minimumCalls, window, Duration.ofSeconds(openSeconds), meters);
    }

    /** Each attempt of a part; its number's profile gives the pause before a further part of an answer. */
    @BindToRegistry(value = "evolutionDelivery", lazy = true)
    public EvolutionDelivery evolutionDelivery(DeliveryStore store, EvolutionBreakers breakers,
                                               InstanceProfiles profiles) {
        return new EvolutionDelivery(store, new EvolutionSendText(), breakers, profiles::of);
    }

    /** Each number's Evolution server and key (its profile, else the environment's), and whether it may send. */
    @BindToRegistry(value = "evolutionTargets", lazy = true)
    public EvolutionTargets evolutionTargets(InstanceProfiles profiles) {
        return new EvolutionTargets(profiles::of);
    }

    /**
     * The conversations shown "digitando…" while the model writes. Real time, not the gateway's clock: tests shift that
     * one by hours to cross pauses, while a presence lasts seconds on the customer's phone.
     */
    @BindToRegistry(value = "typingIndicator", lazy = true)
    public TypingIndicator typingIndicator(InstanceProfiles profiles,
                                           @PropertyInject("atende.typing.refresh-s") int refreshSeconds,
                                           @PropertyInject("atende.llm.timeout-seconds") int llmTimeoutSeconds) {
        return new TypingIndicator(profiles::of, TypingIndicator.Settings.of(refreshSeconds, llmTimeoutSeconds),
                Clock.systemUTC());
    }

    @BindToRegistry(value = "evolutionPresence", lazy = true)
    public EvolutionPresence evolutionPresence(TypingIndicator typing, AtendeMetrics metrics,
                                               @PropertyInject("atende.evolution.connect-timeout-ms") int connectMs) {
        return new EvolutionPresence(Duration.ofMillis(connectMs), typing, metrics);
    }

    @BindToRegistry(value = "sendReconciler", lazy = true)
    public SendReconciler sendReconciler(DeliveryStore store,
                                         @PropertyInject("atende.send.reconcile") String mode,
                                         @PropertyInject("atende.send.reconcile-after-seconds") int afterSeconds,
                                         @PropertyInject("atende.send.reconcile-slack-seconds") int slackSeconds) {
        return new SendReconciler(store, new SendReconciler.Settings(SendReconciler.Mode.parse(mode),
                Duration.ofSeconds(afterSeconds), Duration.ofSeconds(slackSeconds)), Clock.systemUTC());
    }

    /** The model writes Markdown, which WhatsApp shows as it is. */
    @BindToRegistry(value = "whatsAppFormat", lazy = true)
    public WhatsAppFormat whatsAppFormat() {
        return new WhatsAppFormat();
    }

    @BindToRegistry(value = "sendRetryPolicy", lazy = true)
    public SendRetryPolicy sendRetryPolicy(@PropertyInject("atende.send.max-attempts") int maxAttempts) {
        return new SendRetryPolicy(maxAttempts);
    }
}

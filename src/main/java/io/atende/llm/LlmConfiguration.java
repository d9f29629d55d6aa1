package io.atende.llm;

import io.atende.support.AtendeMetrics;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.PropertyInject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;

/**
 * The LLM beans: the client the {@code ask-llm} route calls ({@code llm}), the capacity the durable queue claims
 * within ({@code llmCapacity}), and the number of LLM workers ({@code llmWorkers}). Which provider, servers and model
 * comes from {@code atende.llm.*} (application.properties).
 */
public class LlmConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(LlmConfiguration.class);

    /** The LLM as this replica sees it: one client, its capacity, and what each of its slots served last. */
    record Servers(LlmClient client, LlmCapacity capacity, LlmSlots slots) {
    }

    @BindToRegistry(value = "llmStats", lazy = true)
    public LlmStats llmStats(@PropertyInject("atende.llm.expected-seconds") double expectedSeconds) {
        return new LlmStats(expectedSeconds);
    }

    @BindToRegistry(value = "llmSettings", lazy = true)
    public LlmSettings llmSettings(@PropertyInject("atende.llm.provider") String provider,
                                   @PropertyInject("atende.llm.model") String model,
                                   @PropertyInject(value = "atende.llm.api-key", defaultValue = "") String apiKey,
                                   @PropertyInject("atende.llm.num-ctx") int numCtx,
                                   @PropertyInject("atende.llm.max-reply-tokens") int maxReplyTokens,
                                   @PropertyInject("atende.llm.temperature") double temperature,
                                   @PropertyInject("atende.llm.timeout-seconds") int timeoutSeconds,
                                   @PropertyInject("atende.llm.stream") boolean stream,
                                   @PropertyInject(value = "atende.llm.prompt-template", defaultValue = "auto")
                                   String promptTemplate) {
        return new LlmSettings(provider, model, apiKey, numCtx, maxReplyTokens, temperature,
                Duration.ofSeconds(timeoutSeconds), stream, LlmSettings.PromptTemplate.parse(promptTemplate));
    }

    /** One server with ATENDE_LLM_PARALLEL slots, or several (…_BASE_URLS) each behind its own breaker. */
    @BindToRegistry(value = "llmServers", lazy = true)
    public Servers llmServers(LlmSettings settings, AtendeMetrics metrics, LlmStats stats,
                              @PropertyInject("atende.llm.base-url") String baseUrl,
                              @PropertyInject(value = "atende.llm.base-urls", defaultValue = "") String baseUrls,
                              @PropertyInject("atende.llm.parallel") int parallel,
                              @PropertyInject("atende.llm.breaker.failure-rate") int failureRate,
                              @PropertyInject("atende.llm.breaker.minimum-calls") int minimumCalls,
                              @PropertyInject("atende.llm.breaker.window") int window,
                              @PropertyInject("atende.llm.breaker.open-seconds") int openSeconds,
                              @PropertyInject("atende.cache-affinity.enabled") boolean cacheAffinity) {
        String setting = settings.provider().toUpperCase(java.util.Locale.ROOT) + "_BASE_URLS";
        List<LlmBackends.Spec> specs = LlmBackends.parse(setting, baseUrls);
        if (specs.isEmpty()) {
            LOG.info("LLM: {} at {}, model {}, {} slot(s)", settings.provider(), baseUrl, settings.model(), parallel);
            LlmSlots slots = LlmSlots.single(Math.max(1, parallel), cacheAffinity);
            LlmClient one = slots.around(LlmSlots.SINGLE,
                    new MeteredLlm(LlmModels.client(settings, baseUrl), metrics, stats));
            return new Servers(one, new LlmCapacity(parallel, () -> parallel), slots);
        }
        LlmSlots slots = LlmSlots.of(specs, cacheAffinity);
        LlmBackends backends = LlmBackends.create(settings.provider(), specs,
                url -> new MeteredLlm(LlmModels.client(settings, url), metrics, stats),
                new LlmBackends.BreakerSettings(failureRate, minimumCalls, window, Duration.ofSeconds(openSeconds)),
                metrics.registry(), slots);
        LOG.info("LLM: {} backends of {}, model {}, {} slots in all: {}", specs.size(), settings.provider(),
                settings.model(), backends.slots(), specs);
        return new Servers(backends, new LlmCapacity(backends.slots(), backends::healthySlots), slots);
    }

    /** What each LLM slot of this replica served last (the claim prefers the conversations they hold). */
    @BindToRegistry(value = "llmSlots", lazy = true)
    public LlmSlots llmSlots(Servers servers) {
        return servers.slots();
    }

    @BindToRegistry(value = "llm", lazy = true)
    public LlmClient llm(Servers servers) {
        return servers.client();
    }

    /** Also exported as {@code atende_config_llm_slots}, the bound the alert rules and the dashboard compare with. */
    @BindToRegistry(value = "llmCapacity", lazy = true)
    public LlmCapacity llmCapacity(Servers servers, AtendeMetrics metrics) {
        LlmCapacity capacity = servers.capacity();
        metrics.setting("llm_slots", capacity.slots(),
                "LLM calls in flight at once: ATENDE_LLM_PARALLEL, or the sum of the backends' slots");
        return capacity;
    }

    /** The LLM workers of this replica (concurrent consumers of the turns): as many as all servers can compute. */
    @BindToRegistry(value = "llmWorkers", lazy = true)
    public Integer llmWorkers(LlmCapacity capacity) {
        return capacity.slots();
    }
}

package io.atende.painel;

import io.atende.admin.AdminAuthenticator;
import io.atende.admin.ConversationBrowser;
import io.atende.admin.ConversationHandoffs;
import io.atende.admin.ConversationJson;
import io.atende.admin.DeadLetterJson;
import io.atende.admin.DeadLetterStore;
import io.atende.conversation.ConversationPrompt;
import io.atende.llm.LlmBackends;
import io.atende.llm.LlmCapacity;
import io.atende.profile.InstanceProfiles;
import io.atende.profile.ProfileJson;
import io.atende.profile.ProfileStore;
import io.atende.store.Transactions;
import io.atende.support.GatewayClock;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.PropertyInject;

import java.time.Duration;
import java.util.List;

/** The Painel at /painel (issue 17): its sessions, its sign-in limit, and the admin beans it reads through. */
public class PainelConfiguration implements CamelConfiguration {

    @BindToRegistry(value = "painelSessions", lazy = true)
    public PainelSessions painelSessions(Transactions tx, GatewayClock clock,
                                         @PropertyInject("atende.painel.idle-minutes") int idleMinutes,
                                         @PropertyInject("atende.painel.max-hours") int maxHours) {
        return new PainelSessions(tx, clock, Duration.ofMinutes(idleMinutes), Duration.ofHours(maxHours));
    }

    @BindToRegistry(value = "painelAccess", lazy = true)
    public PainelAccess painelAccess(AdminAuthenticator admin, PainelSessions sessions, GatewayClock clock,
                                     @PropertyInject("atende.painel.login-failures") int failures,
                                     @PropertyInject("atende.painel.login-window-seconds") int windowSeconds,
                                     @PropertyInject("atende.painel.trust-proxy") boolean trustProxy) {
        return new PainelAccess(admin::matches, sessions,
                new LoginRateLimiter(failures, Duration.ofSeconds(windowSeconds), clock), trustProxy);
    }

    @BindToRegistry(value = "painelAssets", lazy = true)
    public PainelAssets painelAssets() {
        return new PainelAssets();
    }

    @BindToRegistry(value = "painelConversations", lazy = true)
    public PainelConversations painelConversations(Transactions tx, ConversationBrowser browser,
                                                   ConversationHandoffs handoffs) {
        return new PainelConversations(tx, browser, handoffs);
    }

    /** The admin API's renderer, with each conversation's id: the page addresses conversations by id. */
    @BindToRegistry(value = "painelConversationJson", lazy = true)
    public ConversationJson painelConversationJson() {
        return new ConversationJson(true);
    }

    @BindToRegistry(value = "painelProfiles", lazy = true)
    public PainelProfiles painelProfiles(ProfileStore store, InstanceProfiles profiles, ConversationPrompt prompts,
                                         ProfileJson profileJson) {
        return new PainelProfiles(store, profiles, prompts, profileJson);
    }

    @BindToRegistry(value = "painelHealth", lazy = true)
    public PainelHealth painelHealth(Transactions tx, LlmCapacity capacity, DeadLetterStore deadLetters,
                                     DeadLetterJson deadLetterJson, GatewayClock clock,
                                     @PropertyInject("atende.evolution.base-url") String evolutionBaseUrl,
                                     @PropertyInject("atende.llm.provider") String provider,
                                     @PropertyInject("atende.llm.base-url") String llmBaseUrl,
                                     @PropertyInject(value = "atende.llm.base-urls", defaultValue = "") String llmBaseUrls,
                                     @PropertyInject("atende.painel.probe-timeout-ms") int timeoutMs) {
        List<String> urls = LlmBackends.parse("LLM base URLs", llmBaseUrls).stream().map(LlmBackends.Spec::baseUrl)
                .toList();
        return new PainelHealth(tx, capacity, deadLetters, deadLetterJson,
                PainelHealth.targets(evolutionBaseUrl, provider, urls.isEmpty() ? List.of(llmBaseUrl) : urls),
                Duration.ofMillis(timeoutMs), Duration.ofSeconds(10), clock);
    }

    @BindToRegistry(value = "painelRequestGuard", lazy = true)
    public PainelRequestGuard painelRequestGuard() {
        return new PainelRequestGuard();
    }

    @BindToRegistry(value = "painelResponseHeaders", lazy = true)
    public PainelResponseHeaders painelResponseHeaders() {
        return new PainelResponseHeaders();
    }
}

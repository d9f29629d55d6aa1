package io.atende.admin;

import io.atende.profile.InstanceProfiles;
import io.atende.store.Transactions;
import io.atende.support.AtendeMetrics;
import io.atende.support.GatewayClock;
import io.atende.support.SecretToken;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.PropertyInject;

import java.nio.file.Path;

/**
 * The /admin endpoints: their token, the OpenAPI document, the dead letters, the conversations and their human
 * handoffs; and the conversation gauges, which follow the conversations' API states.
 */
public class AdminConfiguration implements CamelConfiguration {

    /** ATENDE_ADMIN_TOKEN, or a token generated once into the data directory and shown once. */
    @BindToRegistry(value = "adminAuthenticator", lazy = true)
    public AdminAuthenticator adminAuthenticator(
            @PropertyInject(value = "atende.admin.token", defaultValue = "") String configured,
            @PropertyInject("atende.data-dir") String dataDir,
            @PropertyInject("atende.http.port") int port) {
        SecretToken token = SecretToken.resolve(configured, Path.of(dataDir.strip()), AdminAuthenticator.TOKEN_FILE);
        AdminAuthenticator.announce(token, port);
        return new AdminAuthenticator(token);
    }

    /** The atende_dead_letters gauge starts from the letters still open. */
    @BindToRegistry(value = "deadLetterStore", lazy = true)
    public DeadLetterStore deadLetterStore(Transactions tx, AtendeMetrics metrics) {
        DeadLetterStore store = new DeadLetterStore(tx, metrics);
        metrics.deadLettersOpen(store.countOpen());
        return store;
    }

    @BindToRegistry(value = "deadLetterJson", lazy = true)
    public DeadLetterJson deadLetterJson() {
        return new DeadLetterJson();
    }

    /** The OpenAPI document of the REST DSL, rendered behind the admin token. */
    @BindToRegistry(value = "adminOpenApi", lazy = true)
    public AdminOpenApi adminOpenApi(CamelContext camel) {
        return new AdminOpenApi(camel);
    }

    /** Whether a conversation is human now is decided with the gateway's clock. */
    @BindToRegistry(value = "conversationBrowser", lazy = true)
    public ConversationBrowser conversationBrowser(Transactions tx, GatewayClock clock) {
        return new ConversationBrowser(tx, clock);
    }

    /** Pause and resume a conversation, the customers' handoffs: the gateway's clock, each number's profile. */
    @BindToRegistry(value = "conversationHandoffs", lazy = true)
    public ConversationHandoffs conversationHandoffs(Transactions tx, GatewayClock clock, InstanceProfiles profiles,
                                                     AtendeMetrics metrics) {
        return new ConversationHandoffs(tx, clock, profiles, metrics);
    }

    /** atende_conversations{instance,state} and atende_handoff_wait_seconds, refreshed by a timer route. */
    @BindToRegistry(value = "conversationGauges", lazy = true)
    public ConversationGauges conversationGauges(Transactions tx, GatewayClock clock, InstanceProfiles profiles,
                                                 AtendeMetrics metrics) {
        return new ConversationGauges(tx, clock, profiles, metrics.registry());
    }

    @BindToRegistry(value = "conversationJson", lazy = true)
    public ConversationJson conversationJson() {
        return new ConversationJson();
    }

    /** Problem answers for /admin paths and methods no verb takes; follows the context's events from its start. */
    @BindToRegistry("adminFallback")
    public AdminFallback adminFallback(CamelContext camel) {
        AdminFallback fallback = new AdminFallback();
        camel.getManagementStrategy().addEventNotifier(fallback);
        return fallback;
    }

    /** What the admin verbs' platform-http endpoints let out (restConfiguration's headerFilterStrategy). */
    @BindToRegistry(value = "adminResponseHeaders", lazy = true)
    public AdminResponseHeaders adminResponseHeaders() {
        return new AdminResponseHeaders();
    }

    @BindToRegistry(value = "adminRequestGuard", lazy = true)
    public AdminRequestGuard adminRequestGuard() {
        return new AdminRequestGuard();
    }
}

package io.atende.ingest;

import io.atende.llm.LlmCapacity;
import io.atende.llm.LlmStats;
import io.atende.profile.InstanceProfiles;
import io.atende.store.Transactions;
import io.atende.support.GatewayClock;
import io.atende.support.AtendeMetrics;
import io.atende.support.SecretToken;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;

import java.nio.file.Path;
import java.time.Clock;

/** Webhooks in: authentication, parsing, the committed intake and its answer. */
public class IngestConfiguration implements CamelConfiguration {

    /** ATENDE_WEBHOOK_TOKEN, or a token generated once into the data directory and shown once. */
    @BindToRegistry(value = "webhookAuthenticator", lazy = true)
    public WebhookAuthenticator webhookAuthenticator(
            @PropertyInject(value = "atende.webhook.token", defaultValue = "") String configured,
            @PropertyInject("atende.data-dir") String dataDir,
            @PropertyInject("atende.http.port") int port, InstanceProfiles profiles) {
        SecretToken token = SecretToken.resolve(configured, Path.of(dataDir.strip()), WebhookAuthenticator.TOKEN_FILE);
        WebhookAuthenticator.announce(token, port);
        return new WebhookAuthenticator(token, profiles::webhookTokens, instance -> profiles.of(instance).webhookToken(),
                Clock.systemUTC());
    }

    /** What each number's profile says about a customer's message (enabled, lists, trigger), before it is stored. */
    @BindToRegistry(value = "inboundScreening", lazy = true)
    public InboundScreening inboundScreening(Transactions tx, InstanceProfiles profiles) {
        return new InboundScreening(tx, profiles::of);
    }

    @BindToRegistry(value = "evolutionWebhookParser", lazy = true)
    public EvolutionWebhookParser evolutionWebhookParser() {
        return new EvolutionWebhookParser();
    }

    /**
     * Its group committer is a service of the context: it stops after the routes (queued webhooks then answer 503)
     * and before the database.
     */
    @BindToRegistry(value = "inboundStore", lazy = true)
    public InboundStore inboundStore(CamelContext camel, Transactions tx, LlmCapacity llm, LlmStats llmStats,
                                     InstanceProfiles profiles, GatewayClock clock,
                                     @PropertyInject(value = "atende.reply.media-notice", defaultValue = "") String mediaNotice,
                                     @PropertyInject("atende.busy-notice.seconds") int busySeconds,
                                     @PropertyInject(value = "atende.busy-notice.text", defaultValue = "") String busyText,
                                     @PropertyInject("atende.ingest.batch-max") int batchMax,
                                     @PropertyInject(value = "atende.stt.url", defaultValue = "") String sttUrl,
                                     @PropertyInject("atende.stt.max-seconds") int sttMaxSeconds) throws Exception {
        InboundStore store = new InboundStore(tx, mediaNotice,
                new InboundStore.BusyNotice(busySeconds, busyText, llm::slotsNow, llmStats::meanSeconds), batchMax);
        store.profilesFrom(profiles::of);
        store.voiceNotes(!sttUrl.isBlank(), sttMaxSeconds);
        store.clock(clock);
        camel.addService(store.groupCommit(), true, true);
        return store;
    }

    @BindToRegistry(value = "webhookAck", lazy = true)
    public WebhookAck webhookAck(AtendeMetrics metrics) {
        return new WebhookAck(metrics);
    }

    /** Answers 503 from the first moment of a shutdown; it follows the context's events from before its start. */
    @BindToRegistry("intakeGate")
    public IntakeGate intakeGate(CamelContext camel) {
        IntakeGate gate = new IntakeGate();
        camel.getManagementStrategy().addEventNotifier(gate);
        return gate;
    }
}

package io.atende.conversation;

import io.atende.llm.LlmCapacity;
import io.atende.llm.LlmSlots;
import io.atende.profile.InstanceProfiles;
import io.atende.reply.ReplySplitter;
import io.atende.store.Transactions;
import io.atende.support.AtendeMetrics;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.PropertyInject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;

/** The durable queue of conversations, its leases, and the prompt each claimed turn becomes. */
public class ConversationConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(ConversationConfiguration.class);

    /** This replica's name (ATENDE_NODE_ID, else the host name) and how long its claims last without a renewal. */
    @BindToRegistry(value = "lease", lazy = true)
    public ConversationQueue.Lease lease(@PropertyInject(value = "atende.node.id", defaultValue = "") String nodeId,
                                         @PropertyInject("atende.lease.seconds") int leaseSeconds,
                                         @PropertyInject("atende.lease.check-ms") int checkMs) {
        if (checkMs * 2L >= leaseSeconds * 1000L) {
            throw new IllegalArgumentException("ATENDE_LEASE_CHECK_MS must be under half of ATENDE_LEASE_S");
        }
        String owner = nodeId.isBlank() ? hostName() : nodeId.strip();
        LOG.info("This replica is '{}' (leases of {} s)", owner, leaseSeconds);
        return new ConversationQueue.Lease(owner, Duration.ofSeconds(leaseSeconds));
    }

    /**
     * Claims within the LLM's usable slots. While this replica's own turns hold every slot, wake-ups skip the claim,
     * trusted for one poll period at most.
     */
    @BindToRegistry(value = "conversationQueue", lazy = true)
    public ConversationQueue conversationQueue(Transactions tx, LlmCapacity llm, LlmSlots llmSlots,
                                               ConversationQueue.Lease lease,
                                               AtendeMetrics metrics, InstanceProfiles profiles,
                                               @PropertyInject("atende.debounce-ms") int debounceMs,
                                               @PropertyInject("atende.debounce-max-ms") int debounceMaxMs,
                                               @PropertyInject("atende.llm.retry-base-ms") int retryBaseMs,
                                               @PropertyInject("atende.llm.retry-max-ms") int retryMaxMs,
                                               @PropertyInject(value = "atende.llm.fallback-text", defaultValue = "") String fallback,
                                               @PropertyInject("atende.llm.answer-after-recovery") boolean answerAfterRecovery,
                                               @PropertyInject("atende.history.turns") int historyTurns,
                                               @PropertyInject("atende.history.block") int historyBlock,
                                               @PropertyInject("atende.cache-affinity.max-wait-s") double affinityMaxWaitS,
                                               @PropertyInject("atende.dispatch.poll-ms") int pollMs,
                                               @PropertyInject(value = "atende.stt.url", defaultValue = "") String sttUrl,
                                               @PropertyInject("atende.stt.parallel") int sttParallel) {
        // The environment's split (ATENDE_SPLIT_*) is checked now, not at the first long answer.
        ReplySplitter.of(profiles.defaults().talk().split());
        ConversationQueue queue = new ConversationQueue(tx, new ConversationQueue.Settings(
                Duration.ofMillis(debounceMs), Duration.ofMillis(debounceMaxMs), Duration.ofMillis(retryBaseMs),
                Duration.ofMillis(retryMaxMs), fallback, answerAfterRecovery, historyTurns, historyBlock),
                instance -> ReplySplitter.of(profiles.of(instance).split()), llm::slotsNow, lease);
        queue.observeWaits(metrics::waited);
        queue.fallbackTexts(instance -> profiles.of(instance).texts().fallback());
        queue.trustFullFor(Duration.ofMillis(pollMs));
        queue.transcriptionsMayTake(sttUrl.isBlank() ? 0 : sttParallel);
        if (affinityMaxWaitS < 0) {
            throw new IllegalArgumentException("ATENDE_CACHE_AFFINITY_MAX_WAIT_S must not be negative");
        }
        // decimals allowed: the benchmark compresses time
        Duration maxWait = Duration.ofMillis(Math.round(affinityMaxWaitS * 1000));
        // ATENDE_CACHE_AFFINITY is read once, by the slot memory (LlmConfiguration): off, it offers the claim no slot
        queue.cacheAffinity(llmSlots, maxWait);
        queue.observeAffinity(metrics::cacheAffinity);
        LOG.info("Cache affinity: {}; history in blocks of {} (0: half the window)",
                llmSlots.affinity() && !maxWait.isZero() ? "on, bounded by " + affinityMaxWaitS + " s" : "off", historyBlock);
        return queue;
    }

    @BindToRegistry(value = "conversationPrompt", lazy = true)
    public ConversationPrompt conversationPrompt(
            InstanceProfiles profiles,
            @PropertyInject("atende.llm.system-prompt") String systemPrompt,
            @PropertyInject(value = "atende.prompt.facts-heading", defaultValue = "") String factsHeading,
            @PropertyInject("atende.llm.num-ctx") int numCtx,
            @PropertyInject("atende.llm.max-reply-tokens") int maxReplyTokens,
            @PropertyInject("atende.history.max-message-chars") int maxMessageChars,
            @PropertyInject("atende.llm.chars-per-token") double charsPerToken) {
        return new ConversationPrompt(new PromptBuilder(systemPrompt, numCtx, maxReplyTokens, maxMessageChars,
                charsPerToken), profiles::of, factsHeading);
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.strip();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "atende";
        }
    }
}

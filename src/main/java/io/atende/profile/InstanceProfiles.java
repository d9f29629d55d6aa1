package io.atende.profile;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.atende.store.Sql;
import io.atende.store.Transactions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Every instance's effective profile, read from PostgreSQL and kept in memory: the webhook and the LLM turn ask on
 * every message. Each profile write bumps one mark in its own transaction (V11); the cache compares that mark at most
 * once per {@code refresh} and reloads every profile when it moved, so an edit made on any replica reaches all of
 * them within that time, and this replica's own edits at once ({@link #invalidate()}).
 */
public final class InstanceProfiles {

    private static final Logger LOG = LoggerFactory.getLogger(InstanceProfiles.class);

    /** Reads stored documents; fields a later version adds are not this version's business. */
    static final ObjectMapper READER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private record Snapshot(long mark, Map<String, EffectiveProfile> profiles, Set<String> webhookTokens,
                            long checkedNanos) {
    }

    private final Transactions tx;
    private final ProfileDefaults defaults;
    private final long refreshNanos;
    private volatile Snapshot snapshot;
    /** The environment's settings never change while the gateway runs: resolved once for each instance without a profile. */
    private final Map<String, EffectiveProfile> withoutProfile = new java.util.concurrent.ConcurrentHashMap<>();
    /** Instance names come from authenticated webhooks; the bound only keeps a misconfigured sender from growing it. */
    private static final int MAX_CACHED_DEFAULTS = 10_000;

    public InstanceProfiles(Transactions tx, ProfileDefaults defaults, Duration refresh) {
        this.tx = tx;
        this.defaults = defaults;
        this.refreshNanos = refresh.toNanos();
    }

    public ProfileDefaults defaults() {
        return defaults;
    }

    /** The instance's profile over the environment's settings; the defaults alone when it has none. */
    public EffectiveProfile of(String instance) {
        EffectiveProfile p = current().profiles().get(instance);
        if (p != null) {
            return p;
        }
        // Resolved once per instance (keywords normalised, hours parsed): every webhook reads it several times.
        p = withoutProfile.get(instance);
        if (p == null) {
            p = EffectiveProfile.defaults(instance, defaults);
            if (withoutProfile.size() < MAX_CACHED_DEFAULTS) {
                withoutProfile.put(instance, p);
            }
        }
        return p;
    }

    /**
     * What the instance would run with if its stored document were {@code document} (the Painel's "testar" box asks
     * the LLM with a profile before it is saved).
     *
     * @param document a validated stored document ({@link ProfileJson#mergePatch})
     */
    public EffectiveProfile preview(String instance, com.fasterxml.jackson.databind.node.ObjectNode document) {
        return EffectiveProfile.resolve(instance, 0, READER.convertValue(document, InstanceProfile.class), defaults);
    }

    /** Every instance's own webhook token (instances without one are authenticated with the global token). */
    public Set<String> webhookTokens() {
        return current().webhookTokens();
    }

    /** This replica changed a profile: the next lookup reloads. */
    public void invalidate() {
        snapshot = null;
    }

    private Snapshot current() {
        Snapshot s = snapshot;
        long now = System.nanoTime();
        if (s != null && now - s.checkedNanos() < refreshNanos) {
            return s;
        }
        synchronized (this) {
            s = snapshot;
            if (s != null && now - s.checkedNanos() < refreshNanos) {
                return s;
            }
            s = refresh(s, now);
            snapshot = s;
            return s;
        }
    }

    private Snapshot refresh(Snapshot previous, long now) {
        return tx.inTransaction(c -> {
            long mark = Sql.oneLong(c, "select mark from instance_profile_mark");
            if (previous != null && previous.mark() == mark) {
                return new Snapshot(mark, previous.profiles(), previous.webhookTokens(), now);
            }
            record Row(String instance, long version, String json) {
            }
            Map<String, EffectiveProfile> profiles = new HashMap<>();
            Set<String> tokens = new HashSet<>();
            for (Row r : Sql.query(c, "select instance, version, profile::text from instance_profiles",
                    rs -> new Row(rs.getString(1), rs.getLong(2), rs.getString(3)))) {
                try {
                    EffectiveProfile p = EffectiveProfile.resolve(r.instance(), r.version(),
                            READER.readValue(r.json(), InstanceProfile.class), defaults);
                    profiles.put(r.instance(), p);
                    if (p.webhookToken() != null) {
                        tokens.add(p.webhookToken());
                    }
                } catch (IOException | IllegalArgumentException e) {
                    // Writes are validated, so only a hand-edited row gets here: that number runs on the defaults.
                    LOG.error("Profile of instance {} (version {}) is unreadable, its defaults apply: {}",
                            r.instance(), r.version(), e.getMessage());
                }
            }
            return new Snapshot(mark, Map.copyOf(profiles), Set.copyOf(tokens), now);
        });
    }
}

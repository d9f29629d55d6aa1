package io.atende.admin;

import io.atende.profile.InstanceProfiles;
import io.atende.store.Sql;
import io.atende.store.Transactions;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cached conversation gauges of /observe/metrics, which a timer route ({@code refresh-conversation-gauges},
 * metrics.camel.yaml) refreshes at a fixed pace: a scrape never queries PostgreSQL.
 * <ul>
 *   <li>{@code atende_conversations{instance,state}}: conversations per API state ({@code waiting}, {@code answering},
 *   {@code idle}, {@code human}, {@code opted_out}), decided by the admin API's one rule
 *   ({@link ConversationBrowser#API_STATE}) at the gateway's time;</li>
 *   <li>{@code atende_handoff_wait_seconds{instance}}: the longest wait of a customer who asked for a human and has had
 *   no message from the operator since, counted in the number's business hours (0 when none waits).</li>
 * </ul>
 * Every known instance has every series; one no longer read keeps them at 0.
 */
public final class ConversationGauges {

    public static final List<String> STATES = List.of("waiting", "answering", "idle", "human", "opted_out");

    private final Transactions tx;
    private final Clock clock;
    private final InstanceProfiles profiles;
    private final MeterRegistry registry;
    private final Map<String, Map<String, AtomicLong>> counts = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> waits = new ConcurrentHashMap<>();

    public ConversationGauges(Transactions tx, Clock clock, InstanceProfiles profiles, MeterRegistry registry) {
        this.tx = tx;
        this.clock = clock;
        this.profiles = profiles;
        this.registry = registry;
    }

    /** The figures at the gateway's time: one transaction, a grouped count over the conversations and one over the
     * human ones (a partial index). */
    public ConversationFigures read() {
        Instant now = clock.instant();
        return tx.inTransaction(c -> {
            Map<String, Map<String, Long>> states = new LinkedHashMap<>();
            for (String instance : Sql.query(c, "select name from instances order by name", rs -> rs.getString(1))) {
                states.put(instance, new LinkedHashMap<>());
            }
            record Count(String instance, String state, long conversations) {
            }
            for (Count n : Sql.query(c, """
                    select i.name, %s as api_state, count(*)
                      from conversations c join instances i on i.id = c.instance_id
                           cross join (select ?::timestamptz as at) clock
                     group by 1, 2""".formatted(ConversationBrowser.API_STATE),
                    rs -> new Count(rs.getString(1), rs.getString(2), rs.getLong(3)), now)) {
                states.computeIfAbsent(n.instance(), i -> new LinkedHashMap<>()).put(n.state(), n.conversations());
            }
            Map<String, Instant> oldest = new LinkedHashMap<>();
            record Oldest(String instance, Instant since) {
            }
            for (Oldest o : Sql.query(c, """
                    select i.name, min(c.human_since) as since
                      from conversations c join instances i on i.id = c.instance_id
                     where c.human_until > ? and c.human_reason = 'customer' and c.opted_out_at is null
                       and c.human_since is not null
                       and (c.operator_seen_at is null or c.operator_seen_at < c.human_since)
                     group by i.name""", rs -> new Oldest(rs.getString(1), Sql.instant(rs, "since")), now)) {
                oldest.put(o.instance(), o.since());
            }
            return new ConversationFigures(now, states, oldest);
        });
    }

    /**
     * Sets the gauges from one round's figures; the handoff waits are counted in each number's business hours, up to
     * the time the figures were read at.
     *
     * @return the handoff waits just published, in seconds, by instance
     */
    public Map<String, Long> publish(ConversationFigures figures) {
        Map<String, Long> published = new LinkedHashMap<>();
        figures.states().forEach((instance, states) -> {
            Map<String, AtomicLong> gauges = countsOf(instance);
            STATES.forEach(state -> gauges.get(state).set(states.getOrDefault(state, 0L)));
            Instant since = figures.oldestUnansweredHandoff().get(instance);
            long wait = since == null ? 0
                    : profiles.of(instance).hours().openBetween(since, figures.at()).toSeconds();
            waitOf(instance).set(wait);
            published.put(instance, wait);
        });
        figures.oldestUnansweredHandoff().forEach((instance, since) -> {
            if (!published.containsKey(instance)) { // an instance created since the first query
                long wait = profiles.of(instance).hours().openBetween(since, figures.at()).toSeconds();
                waitOf(instance).set(wait);
                published.put(instance, wait);
            }
        });
        counts.forEach((instance, gauges) -> {
            if (!figures.states().containsKey(instance)) {
                gauges.values().forEach(g -> g.set(0));
            }
        });
        waits.forEach((instance, gauge) -> {
            if (!published.containsKey(instance)) {
                gauge.set(0);
            }
        });
        return published;
    }

    private Map<String, AtomicLong> countsOf(String instance) {
        return counts.computeIfAbsent(instance, name -> {
            Map<String, AtomicLong> gauges = new LinkedHashMap<>();
            for (String state : STATES) {
                AtomicLong value = new AtomicLong();
                Gauge.builder("atende.conversations", value, AtomicLong::get)
                        .description("Conversations per state: waiting, answering, idle, human, opted_out "
                                + "(refreshed periodically)")
                        .tag("instance", name).tag("state", state).register(registry);
                gauges.put(state, value);
            }
            return Map.copyOf(gauges);
        });
    }

    private AtomicLong waitOf(String instance) {
        return waits.computeIfAbsent(instance, name -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder("atende.handoff.wait", value, AtomicLong::get)
                    .description("The longest business-hours wait of a customer handoff the operator has not "
                            + "answered (refreshed periodically)")
                    .baseUnit("seconds").tag("instance", name).register(registry);
            return value;
        });
    }
}

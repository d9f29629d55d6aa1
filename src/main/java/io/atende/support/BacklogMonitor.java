package io.atende.support;

import io.atende.store.Sql;
import io.atende.store.Transactions;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Refreshes the cached backlog gauges ({@code atende_backlog{instance}}, {@code atende_backlog_oldest_wait_seconds})
 * from the durable queue. Called by a timer route, never by a scrape: one grouped query over the partial index of
 * waiting conversations, whatever the scrape rate.
 */
public final class BacklogMonitor {

    private final Transactions tx;
    private final AtendeMetrics metrics;

    public BacklogMonitor(Transactions tx, AtendeMetrics metrics) {
        this.tx = tx;
        this.metrics = metrics;
    }

    /** @return the figures just published, by instance */
    public Map<String, AtendeMetrics.BacklogFigures> refresh() {
        record Row(String instance, long conversations, double oldestSeconds) {
        }
        List<Row> rows = tx.inTransaction(c -> Sql.query(c, """
                select i.name, count(c.id),
                       coalesce(extract(epoch from now() - min(c.waiting_since)), 0)
                  from instances i
                  left join conversations c
                    on c.instance_id = i.id and c.state = 'idle' and c.waiting_since is not null
                 group by i.name""",
                rs -> new Row(rs.getString(1), rs.getLong(2), rs.getDouble(3))));
        Map<String, AtendeMetrics.BacklogFigures> figures = new LinkedHashMap<>();
        for (Row r : rows) {
            figures.put(r.instance(), new AtendeMetrics.BacklogFigures(r.conversations(), Math.max(0, r.oldestSeconds())));
        }
        metrics.backlog(figures);
        return figures;
    }
}

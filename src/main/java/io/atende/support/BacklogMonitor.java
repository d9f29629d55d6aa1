package io.atende.support;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Publishes the cached backlog gauges ({@code atende_backlog{instance}}, {@code atende_backlog_oldest_wait_seconds})
 * from the rows of {@code sql/backlog.sql}, which a timer route reads at a fixed pace: a scrape never queries
 * PostgreSQL, whatever its rate.
 */
public final class BacklogMonitor {

    private final AtendeMetrics metrics;

    public BacklogMonitor(AtendeMetrics metrics) {
        this.metrics = metrics;
    }

    /**
     * @param rows camel-sql rows with the columns {@code instance}, {@code conversations} and
     *             {@code oldest_wait_seconds}
     * @return the figures just published, by instance
     */
    public Map<String, AtendeMetrics.BacklogFigures> publish(List<Map<String, Object>> rows) {
        Map<String, AtendeMetrics.BacklogFigures> figures = new LinkedHashMap<>();
        for (Map<String, Object> row : rows == null ? List.<Map<String, Object>>of() : rows) {
            Object instance = row.get("instance");
            if (instance == null) {
                continue;
            }
            figures.put(instance.toString(), new AtendeMetrics.BacklogFigures(number(row, "conversations").longValue(),
                    Math.max(0, number(row, "oldest_wait_seconds").doubleValue())));
        }
        metrics.backlog(figures);
        return figures;
    }

    // count(*) arrives as a Long, extract(epoch ...) as a BigDecimal (PostgreSQL 14+) or a Double.
    private static Number number(Map<String, Object> row, String column) {
        Object v = row.get(column);
        return v instanceof Number n ? n : 0;
    }
}

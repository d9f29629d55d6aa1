package io.atende.support;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.BeanInject;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.spi.CliConnectorFactory;

/** Metrics and the Camel CLI connector. */
public class SupportConfiguration implements CamelConfiguration {

    /**
     * Atende's meters live in the registry Camel's Prometheus support scrapes at /observe/metrics ({@code
     * camel.metrics.enabled}, which binds it as {@code metricsRegistry} before any configuration class runs). The
     * bounds the alert rules compare against are exported as the gateway runs with them.
     */
    @BindToRegistry(value = "atendeMetrics", lazy = true)
    public AtendeMetrics atendeMetrics(@BeanInject("metricsRegistry") MeterRegistry meters,
                                       @PropertyInject("atende.busy-notice.seconds") int busyNoticeSeconds,
                                       @PropertyInject("atende.metrics.reply-alert-seconds") int replyAlertSeconds,
                                       @PropertyInject("atende.metrics.first-token-alert-seconds")
                                       int firstTokenAlertSeconds) {
        new ProcessMemoryMetrics().bindTo(meters);
        AtendeMetrics metrics = new AtendeMetrics(meters);
        metrics.setting("busy_notice_seconds", busyNoticeSeconds,
                "ATENDE_BUSY_NOTICE_S: estimated wait above which a customer is told the queue is long");
        metrics.setting("reply_alert_seconds", replyAlertSeconds,
                "ATENDE_REPLY_ALERT_S: reply time (p95) above which the AtendeSlowReplies alert fires");
        metrics.setting("first_token_alert_seconds", firstTokenAlertSeconds,
                "ATENDE_FIRST_TOKEN_ALERT_S: LLM time to first token (p95) above which AtendeLlmFirstTokenSlow fires");
        return metrics;
    }

    /** Pauses and business hours are decided with this clock, in the gateway and in the SQL it runs. */
    @BindToRegistry(value = "gatewayClock", lazy = true)
    public GatewayClock gatewayClock() {
        return new GatewayClock();
    }

    @BindToRegistry(value = "backlogMonitor", lazy = true)
    public BacklogMonitor backlogMonitor(AtendeMetrics metrics) {
        return new BacklogMonitor(metrics);
    }

    /**
     * The Camel CLI connector (`camel get`, `camel top`) is installed by camel-main before any configuration class
     * runs; it is switched on only when asked for, since it polls every route's status each second.
     */
    @BindToRegistry(value = "camelCliEnabled")
    public Boolean camelCliEnabled(CamelContext camel, @PropertyInject("atende.camel-cli.enabled") boolean enabled) {
        CliConnectorFactory cli = camel.getCamelContextExtension().getContextPlugin(CliConnectorFactory.class);
        if (cli != null) {
            cli.setEnabled(enabled);
        }
        return enabled;
    }
}

package io.atende.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The production nginx and Prometheus files, unmodified, checked by the real tools (nginx -t, promtool). */
class ProxyAndMonitoringConfigTest {

    @TempDir
    Path work;

    @Test
    void nginxAcceptsTheProductionConfig() {
        Path nginx = Tools.require("nginx", "nginx");
        Path conf = Tools.repo().resolve("infra/nginx/nginx.conf");
        // -p: a scratch prefix, so nothing of the machine's own nginx is touched. The upstreams are variables
        // resolved at request time, so the compose service names need not resolve here.
        Tools.Result res = Tools.run(work, Map.of(), List.of(nginx.toString(), "-t", "-p", work + "/", "-c", conf.toString()));
        assertThat(res.exitCode()).as(res.output()).isZero();
        assertThat(res.output()).contains("test is successful");
    }

    @Test
    void nginxKeepsObserveAndAdminInternalAndLimitsWebhooks() throws Exception {
        String locations = Files.readString(Tools.repo().resolve("infra/nginx/atende-locations.conf"));
        String main = Files.readString(Tools.repo().resolve("infra/nginx/nginx.conf"));
        assertThat(locations).containsPattern("location /observe \\{\\s*return 404;")
                .containsPattern("location /admin \\{\\s*return 404;")
                .containsPattern("location /webhooks/ \\{\\s*limit_req zone=webhooks");
        assertThat(main).contains("client_max_body_size 16m;", "gzip on;", "limit_req_zone")
                .doesNotContain("$request ") // never logs query strings (webhook tokens)
                .contains("ssl_certificate");
    }

    @Test
    void promtoolAcceptsThePrometheusConfigAndItsRules() {
        Path promtool = Tools.require("promtool", "prometheus");
        Path dir = Tools.repo().resolve("infra/prometheus");
        Tools.Result config = Tools.run(dir, Map.of(), List.of(promtool.toString(), "check", "config", "prometheus.yml"));
        assertThat(config.exitCode()).as(config.output()).isZero();
        assertThat(config.output()).contains("1 rule files found");
        Tools.Result rules = Tools.run(dir, Map.of(), List.of(promtool.toString(), "check", "rules", "alerts.yml"));
        assertThat(rules.exitCode()).as(rules.output()).isZero();
    }

    @Test
    void promtoolUnitTestsOfTheAlertRulesPass() throws Exception {
        Path promtool = Tools.require("promtool", "prometheus");
        Path dir = Tools.repo().resolve("infra/prometheus");
        Tools.Result tests = Tools.run(dir, Map.of(), List.of(promtool.toString(), "test", "rules", "alerts.test.yml"));
        assertThat(tests.exitCode()).as(tests.output()).isZero();
        assertThat(tests.output()).contains("SUCCESS");
        assertThat(Files.readString(dir.resolve("alerts.test.yml"))).contains("alertname: AtendeHandoffUnanswered");
    }

    @Test
    void everyAlertHasASummaryAndARunbookSection() throws Exception {
        String rules = Files.readString(Tools.repo().resolve("infra/prometheus/alerts.yml"));
        String ops = Files.readString(Tools.repo().resolve("docs/operations.md"));
        var m = java.util.regex.Pattern.compile("- alert: (\\w+)").matcher(rules);
        int alerts = 0;
        while (m.find()) {
            alerts++;
            String name = m.group(1);
            assertThat(ops).as("runbook of " + name).contains("### " + name);
            assertThat(rules).contains("docs/operations.md#" + name.toLowerCase());
        }
        assertThat(alerts).isGreaterThanOrEqualTo(8);
        assertThat(rules.split("summary:", -1)).hasSize(alerts + 1);
    }
}

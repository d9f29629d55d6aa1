package io.atende.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OllamaFixture;
import io.atende.support.AtendeRunner;
import io.atende.support.Http;
import io.atende.support.Payloads;
import io.atende.support.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Real traffic through the real gateway, then real scrapes of /observe/metrics: every metric of issue 5 is there with
 * values that follow from the traffic, the scrape passes {@code promtool check metrics}, and the Grafana dashboard and
 * the alert rules refer only to metrics this scrape really contains.
 */
class ObservabilityE2ETest {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final String SHOP = "loja-" + UUID.randomUUID().toString().substring(0, 6);
    static final String CAFE = "cafe-" + UUID.randomUUID().toString().substring(0, 6);
    static final String UNREACHABLE = "5511988887777";

    @TempDir
    static Path dataDir;
    static OllamaFixture ollama;
    static EvolutionFixture evolution;
    static AtendeRunner app;
    static Scrape afterTraffic;

    @BeforeAll
    static void trafficThenScrape() {
        ollama = OllamaFixture.start().slowTokens(Duration.ofMillis(40));
        evolution = EvolutionFixture.start("k").notOnWhatsApp(UNREACHABLE);
        app = new AtendeRunner()
                .database(TestPostgres.newDatabase(), dataDir)
                .set("atende.webhook.token", "t")
                .set("atende.metrics.backlog-refresh-ms", "200")
                .set("atende.send.max-attempts", "2")
                .set("atende.ollama.base-url", ollama.baseUrl())
                .set("atende.evolution.base-url", evolution.baseUrl())
                .set("atende.evolution.api-key", "k")
                .start();
        post(SHOP, "5541911110001", "3AOBS0000000000000001", "qual o horário de vocês?");
        post(SHOP, "5541911110002", "3AOBS0000000000000002", "vocês entregam?");
        post(CAFE, "5541911110003", "3AOBS0000000000000003", "tem pão de queijo?");
        post(CAFE, UNREACHABLE, "3AOBS0000000000000004", "oi");
        await().atMost(WAIT).until(() -> evolution.sent().size() == 3);
        await().atMost(WAIT).until(() -> scrape().sum("atende_dead_letters") == 1.0);
        // The backlog gauges are refreshed by a timer: wait until they saw the drained queue.
        await().atMost(WAIT).until(() -> scrape().has("atende_backlog", "instance", CAFE));
        // ... and the conversation gauges, refreshed by their own timer at the same pace.
        await().atMost(WAIT).until(() -> scrape().has("atende_handoff_wait_seconds", "instance", CAFE));
        afterTraffic = scrape();
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        if (ollama != null) {
            ollama.close();
        }
        if (evolution != null) {
            evolution.close();
        }
    }

    static void post(String instance, String phone, String id, String text) {
        var ack = Http.post(app.baseUrl() + "/webhooks/evolution",
                Payloads.fixture("01-text-conversation.json").instance(instance).id(id)
                        .remoteJid(phone + "@s.whatsapp.net").remoteJidAlt(phone + "@s.whatsapp.net").text(text).json(),
                "Authorization", "Bearer t");
        assertThat(ack.statusCode()).isEqualTo(200);
    }

    static Scrape scrape() {
        var res = Http.get(app.baseUrl() + "/observe/metrics");
        assertThat(res.statusCode()).isEqualTo(200);
        return new Scrape(res.body());
    }

    @Test
    void messageOutcomesPerInstance() {
        assertThat(afterTraffic.sum("atende_messages_total", "instance", SHOP, "outcome", "answered")).isEqualTo(2.0);
        assertThat(afterTraffic.sum("atende_messages_total", "instance", CAFE, "outcome", "answered")).isEqualTo(1.0);
        assertThat(afterTraffic.sum("atende_messages_total", "instance", CAFE, "outcome", "dead")).isEqualTo(1.0);
        assertThat(afterTraffic.sum("atende_dead_letters")).isEqualTo(1.0);
    }

    @Test
    void llmFiguresComeFromTheStreamedCalls() {
        double calls = afterTraffic.sum("atende_llm_request_seconds_count", "outcome", "success");
        assertThat(calls).isEqualTo(4.0);
        assertThat(afterTraffic.sum("atende_llm_first_token_seconds_count")).isEqualTo(4.0);
        // The first token comes before the end of the answer (the fixture streams word by word, 40 ms apart).
        assertThat(afterTraffic.sum("atende_llm_first_token_seconds_sum"))
                .isPositive()
                .isLessThan(afterTraffic.sum("atende_llm_request_seconds_sum", "outcome", "success"));
        assertThat(afterTraffic.has("atende_llm_first_token_seconds_bucket", "le", "+Inf")).isTrue();
        // a CPU host's first tokens (tens of seconds) fall in finite buckets, not only in +Inf past 30 s
        assertThat(afterTraffic.matching("atende_llm_first_token_seconds_bucket").stream()
                .map(s -> s.labels().get("le")).filter(le -> !le.equals("+Inf")).mapToDouble(Double::parseDouble)
                .max().orElse(0)).isGreaterThanOrEqualTo(300.0);
        assertThat(afterTraffic.matching("atende_llm_request_seconds_bucket").stream()
                .map(s -> s.labels().get("le")).filter(le -> !le.equals("+Inf")).mapToDouble(Double::parseDouble)
                .max().orElse(0)).isGreaterThanOrEqualTo(300.0);
        assertThat(afterTraffic.sum("atende_llm_tokens_total", "kind", "input")).isPositive();
        assertThat(afterTraffic.sum("atende_llm_tokens_total", "kind", "output")).isPositive();
        assertThat(afterTraffic.sum("atende_llm_inflight")).isZero();
        assertThat(ollama.calls()).allSatisfy(c -> assertThat(c.stream()).isTrue());
    }

    @Test
    void queueWaitReplyAndSendTimes() {
        assertThat(afterTraffic.sum("atende_wait_seconds_count")).isEqualTo(4.0);
        assertThat(afterTraffic.sum("atende_wait_seconds_count", "instance", SHOP)).isEqualTo(2.0);
        assertThat(afterTraffic.sum("atende_reply_seconds_count")).isEqualTo(3.0);
        assertThat(afterTraffic.sum("atende_reply_seconds_sum"))
                .isGreaterThanOrEqualTo(afterTraffic.sum("atende_llm_request_seconds_sum", "outcome", "success") * 0.5);
        assertThat(afterTraffic.sum("atende_send_seconds_count")).isGreaterThanOrEqualTo(4.0);
        assertThat(afterTraffic.sum("atende_backlog", "instance", SHOP)).isZero();
        assertThat(afterTraffic.sum("atende_config_busy_notice_seconds")).isEqualTo(60.0);
        assertThat(afterTraffic.sum("atende_config_reply_alert_seconds")).isEqualTo(180.0);
        assertThat(afterTraffic.sum("atende_config_first_token_alert_seconds")).isEqualTo(60.0);
    }

    @Test
    void circuitBreakersJvmAndProcessMemory() {
        assertThat(afterTraffic.sum("resilience4j_circuitbreaker_state", "name", "llm-breaker", "state", "closed"))
                .isEqualTo(1.0);
        assertThat(afterTraffic.sum("resilience4j_circuitbreaker_state", "name", "evolution-send-" + SHOP, "state", "closed"))
                .isEqualTo(1.0);
        assertThat(afterTraffic.sum("jvm_memory_used_bytes", "area", "heap")).isPositive();
        assertThat(afterTraffic.sum("process_resident_memory_bytes")).isPositive();
        assertThat(afterTraffic.sum("atende_memory_limit_bytes"))
                .isGreaterThan(afterTraffic.sum("process_resident_memory_bytes"));
        assertThat(afterTraffic.names()).contains("process_cpu_usage", "system_cpu_usage");
    }

    @Test
    void aFallbackSentBecauseTheLlmFailedIsCounted() {
        String instance = "falha-" + UUID.randomUUID().toString().substring(0, 6);
        ollama.failNext(1, 500);
        post(instance, "5541944440001", "3AOBS0000000000000021", "oi");
        // The fallback text at once, then the real answer after the retry.
        await().atMost(WAIT).until(() -> evolution.sent().stream()
                .filter(s -> s.number().equals("5541944440001")).count() == 2);
        Scrape now = scrape();
        assertThat(now.sum("atende_messages_total", "instance", instance, "outcome", "fallback")).isEqualTo(1.0);
        assertThat(now.sum("atende_messages_total", "instance", instance, "outcome", "answered")).isEqualTo(1.0);
        assertThat(now.sum("atende_llm_request_seconds_count", "outcome", "failure")).isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void theCamelCliConnectorIsOffByDefault() {
        assertThat(app.context().hasService(org.apache.camel.spi.CliConnector.class)).isNull();
    }

    @Test
    void noPhoneNumberIsEverALabel() {
        Pattern digits = Pattern.compile("\\d{8,}");
        assertThat(afterTraffic.samples).allSatisfy(s -> s.labels().forEach((label, value) -> {
            if (!label.equals("le") && !label.equals("quantile")) {
                assertThat(digits.matcher(value).find()).as("%s{%s=%s}", s.name(), label, value).isFalse();
            }
        }));
        assertThat(afterTraffic.text).doesNotContain("554191111").doesNotContain(UNREACHABLE);
    }

    @Test
    void backlogAndInflightWhileTheLlmIsBusy() {
        String instance = "fila-" + UUID.randomUUID().toString().substring(0, 6);
        ollama.hang();
        try {
            post(instance, "5541922220001", "3AOBS0000000000000011", "um");
            post(instance, "5541922220002", "3AOBS0000000000000012", "dois");
            post(instance, "5541922220003", "3AOBS0000000000000013", "três");
            // One conversation at the LLM (1 slot), two waiting behind it.
            await().atMost(WAIT).until(() -> scrape().sum("atende_backlog", "instance", instance) == 2.0);
            Scrape busy = scrape();
            assertThat(busy.sum("atende_llm_inflight")).isEqualTo(1.0);
            await().atMost(WAIT).until(() -> scrape().sum("atende_backlog_oldest_wait_seconds", "instance", instance) > 0.2);
        } finally {
            ollama.release();
        }
        await().atMost(WAIT).until(() -> scrape().sum("atende_backlog", "instance", instance) == 0.0
                && scrape().sum("atende_llm_inflight") == 0.0);
    }

    @Test
    void promtoolAcceptsTheScrape() throws Exception {
        Path promtool = Tools.require("promtool", "prometheus");
        // Atende's own series (and the Resilience4j, JVM and process ones it adds) pass promtool's lint cleanly.
        String ours = ourFamilies(afterTraffic.text);
        assertThat(ours).contains("# TYPE atende_llm_first_token_seconds histogram", "# TYPE atende_backlog gauge");
        var res = promtoolCheckMetrics(promtool, "ours.prom", ours);
        assertThat(res.exitCode()).as(res.output()).isZero();
        // The whole scrape parses (exit 1 would be a format error). Camel's own meters break two naming lints
        // (camelCase label names, no HELP), reported with exit 3; none of those complaints may be about our families.
        var all = promtoolCheckMetrics(promtool, "all.prom", afterTraffic.text);
        assertThat(all.exitCode()).as(all.output()).isIn(0, 3);
        assertThat(all.output().lines().filter(l -> !l.isBlank()))
                .allSatisfy(l -> assertThat(l).doesNotStartWith("atende_").doesNotStartWith("resilience4j_")
                        .doesNotStartWith("jvm_").doesNotStartWith("process_resident"));
    }

    private static Tools.Result promtoolCheckMetrics(Path promtool, String name, String text) throws Exception {
        Path file = Files.writeString(dataDir.resolve(name), text);
        return Tools.run(dataDir, Map.of(), List.of("sh", "-c", "'" + promtool + "' check metrics < '" + file + "'"));
    }

    /** The metric families (HELP, TYPE and samples) whose names start with atende_, resilience4j_, jvm_ or process_resident. */
    static String ourFamilies(String text) {
        StringBuilder out = new StringBuilder();
        Pattern ours = Pattern.compile("^(# (HELP|TYPE) )?(atende_|resilience4j_|jvm_|process_resident_)");
        text.lines().filter(l -> ours.matcher(l).find()).forEach(l -> out.append(l).append('\n'));
        return out.toString();
    }

    @Test
    void grafanaDashboardRefersOnlyToExportedMetrics() throws Exception {
        Path file = Tools.repo().resolve("infra/grafana/dashboards/atende.json");
        JsonNode dashboard = new ObjectMapper().readTree(file.toFile());
        assertThat(dashboard.path("title").asText()).isNotBlank();
        List<String> exprs = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                exprs.add(target.path("expr").asText());
            }
            if (!"row".equals(panel.path("type").asText())) {
                assertThat(panel.path("targets").size()).as("panel %s has a query", panel.path("title")).isPositive();
            }
        }
        Set<String> used = metricNames(exprs);
        assertThat(used).contains("atende_messages_total", "atende_llm_first_token_seconds_bucket", "atende_backlog",
                "resilience4j_circuitbreaker_state", "atende_dead_letters");
        assertThat(afterTraffic.names()).containsAll(used);
    }

    @Test
    void alertRulesReferOnlyToExportedMetrics() throws Exception {
        String rules = Files.readString(Tools.repo().resolve("infra/prometheus/alerts.yml"));
        List<String> exprs = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\s+expr:\\s*(\\|?)\\s*\\n?((?:.*\\n)*?)(?=^\\s+(for|labels|annotations):)").matcher(rules);
        while (m.find()) {
            exprs.add(m.group(2));
        }
        Set<String> used = metricNames(exprs);
        assertThat(used).contains("atende_llm_first_token_seconds_bucket", "atende_reply_seconds_bucket",
                "resilience4j_circuitbreaker_state", "atende_dead_letters", "process_resident_memory_bytes",
                "atende_memory_limit_bytes", "atende_config_busy_notice_seconds");
        assertThat(afterTraffic.names()).containsAll(used);
    }

    /** Names of Atende, Resilience4j, JVM and process series in PromQL expressions. */
    static Set<String> metricNames(List<String> exprs) {
        Pattern name = Pattern.compile("\\b((?:atende|resilience4j|jvm|process|system|camel)_[a-zA-Z0-9_]+)");
        Set<String> used = new TreeSet<>();
        for (String e : exprs) {
            Matcher m = name.matcher(e);
            while (m.find()) {
                used.add(m.group(1));
            }
        }
        return used;
    }
}

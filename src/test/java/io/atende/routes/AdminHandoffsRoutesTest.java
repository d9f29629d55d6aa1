package io.atende.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.atende.support.GatewayClock;
import io.atende.support.Http;
import io.atende.support.Profiles;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The human side of the admin API over real HTTP, from rows written with SQL and the gateway's clock set by the test:
 * the states human and opted_out in the list and its filter, pausing and resuming a conversation, and the customers'
 * handoffs with their business-hours wait.
 */
class AdminHandoffsRoutesTest extends RouteTestSupport {

    static final ObjectMapper JSON = new ObjectMapper();
    /** A Tuesday, 10:00 UTC. */
    static final Instant T = Instant.parse("2026-03-03T10:00:00Z");
    static final String MARIA = "5521987654321";
    static final String JOAO = "5511900000002";
    static final String ANA_LID = "123456789012345";
    /** loja: open Monday to Friday, 09:00 to 18:00 UTC; a handoff pause of 45 minutes. */
    static final String LOJA_PROFILE = """
            {"handoff": {"pauseMinutes": 45},
             "hours": {"timeZone": "UTC", "weekly": {"mon": ["09:00-18:00"], "tue": ["09:00-18:00"],
                       "wed": ["09:00-18:00"], "thu": ["09:00-18:00"], "fri": ["09:00-18:00"]}}}""";

    @Override
    protected Properties overrides() {
        return settings("atende.profiles.refresh-ms=0");
    }

    GatewayClock clock() {
        return context.getRegistry().lookupByNameAndType("gatewayClock", GatewayClock.class);
    }

    void start() throws Exception {
        advise("refresh-conversation-gauges", a -> a.replaceFromWith("direct:refresh-conversation-gauges"));
        startCamel();
        clock().setTo(T);
        Profiles.write(tx(), INSTANCE, LOJA_PROFILE);
    }

    long named(String instance, String contactJid, String state, String pushName) {
        long id = conversation(instance, contactJid, state);
        execute("update conversations set push_name = ? where id = ?", pushName, id);
        return id;
    }

    /** The conversation is human for this reason, from since to until. */
    void human(long conversation, String reason, Instant since, Instant until) {
        execute("update conversations set human_reason = ?, human_since = ?, human_until = ? where id = ?",
                reason, since, until, conversation);
    }

    // ---------------------------------------------------------------- states

    @Test
    void humanAndOptedOutAreStatesOfTheListAndItsFilterOptedOutFirst() throws Exception {
        start();
        named(INSTANCE, "5511900000001@s.whatsapp.net", "idle", "Idle");
        long waiting = named(INSTANCE, "5511900000003@s.whatsapp.net", "idle", "Waiting");
        execute("update conversations set waiting_since = now() where id = ?", waiting);
        named(INSTANCE, "5511900000004@s.whatsapp.net", "answering", "Answering");
        long human = named(INSTANCE, MARIA + "@s.whatsapp.net", "idle", "Human");
        human(human, "customer", T.minusSeconds(600), T.plusSeconds(3000));
        long expired = named(INSTANCE, "5511900000005@s.whatsapp.net", "idle", "Expired");
        human(expired, "operator", T.minusSeconds(7200), T.minusSeconds(1));
        long optedOut = named(INSTANCE, "5511900000006@s.whatsapp.net", "idle", "OptedOut");
        human(optedOut, "admin", T.minusSeconds(60), T.plusSeconds(60));
        execute("update conversations set opted_out_at = ? where id = ?", T.minusSeconds(30), optedOut);

        assertThat(names("state=human")).containsExactly("Human");
        assertThat(names("state=OPTED_OUT")).containsExactly("OptedOut");
        assertThat(names("state=idle")).containsExactlyInAnyOrder("Idle", "Expired");
        assertThat(names("state=waiting")).containsExactly("Waiting");
        assertThat(names("state=answering")).containsExactly("Answering");

        JsonNode item = item("state=human");
        assertThat(item.get("state").asText()).isEqualTo("human");
        assertThat(item.get("human").get("reason").asText()).isEqualTo("customer");
        assertThat(Instant.parse(item.get("human").get("since").asText())).isEqualTo(T.minusSeconds(600));
        assertThat(Instant.parse(item.get("human").get("until").asText())).isEqualTo(T.plusSeconds(3000));
        assertThat(item.get("human").get("secondsLeft").asLong()).isBetween(2990L, 3000L);
        assertThat(item.get("optedOutAt").isNull()).isTrue();
        JsonNode opted = item("state=opted_out");
        assertThat(opted.get("human").isNull()).isTrue();
        assertThat(Instant.parse(opted.get("optedOutAt").asText())).isEqualTo(T.minusSeconds(30));
        assertThat(item("state=waiting").get("human").isNull()).isTrue();

        // The transcript's summary follows the same rule; once the gateway's clock passes human_until, it is not human.
        JsonNode transcript = JSON.readTree(get("/admin/conversations/" + INSTANCE + "/" + MARIA).body());
        assertThat(transcript.get("conversation").get("state").asText()).isEqualTo("human");
        clock().advance(Duration.ofSeconds(3001));
        assertThat(JSON.readTree(get("/admin/conversations/" + INSTANCE + "/" + MARIA).body())
                .get("conversation").get("state").asText()).isEqualTo("idle");
        assertThat(names("state=human")).isEmpty();
    }

    // ---------------------------------------------------------------- pause and resume

    @Test
    void aPauseWithoutBodyLastsTheNumbersHandoffPauseAndAnExplicitOneSetsTheEnd() throws Exception {
        start();
        long maria = named(INSTANCE, MARIA + "@s.whatsapp.net", "idle", "Maria");
        execute("update conversations set waiting_since = now() where id = ?", maria);
        execute("""
                insert into messages (instance_id, conversation_id, direction, kind, text, status)
                select instance_id, id, 'in', 'text', 'oi', 'waiting' from conversations where id = ?""", maria);

        HttpResponse<String> paused = post("/admin/conversations/" + INSTANCE + "/" + MARIA + "/pause", null);
        assertThat(paused.statusCode()).as(paused.body()).isEqualTo(200);
        assertThat(paused.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(paused.body()).doesNotContain(MARIA);
        JsonNode summary = JSON.readTree(paused.body());
        assertThat(summary.get("contact").asText()).isEqualTo("5521*******21");
        assertThat(summary.get("state").asText()).isEqualTo("human");
        assertThat(summary.get("human").get("reason").asText()).isEqualTo("admin");
        assertThat(summary.get("human").get("secondsLeft").asLong()).isEqualTo(45 * 60);
        Instant since = Instant.parse(summary.get("human").get("since").asText());
        assertThat(since).isBetween(T, T.plusSeconds(30)); // the gateway's clock, not the database's
        assertThat(Instant.parse(summary.get("human").get("until").asText())).isEqualTo(since.plusSeconds(45 * 60));
        assertThat(value("select human_reason from conversations where id = ?", maria)).isEqualTo("admin");
        assertThat(column("select kind || ':' || reason from conversation_events where conversation_id = ? order by id",
                maria)).containsExactly("human:admin");
        // The message that waited for the LLM will not get it: the human sees it.
        assertThat(value("select status from messages where conversation_id = ?", maria)).isEqualTo("human");
        assertThat(handoffs("admin")).isEqualTo(1.0);

        // Human already: the new end (sooner here), the same handoff (not counted again).
        clock().advance(Duration.ofMinutes(5));
        JsonNode shorter = JSON.readTree(post("/admin/conversations/" + INSTANCE + "/" + MARIA + "/pause",
                "{\"minutes\": 1.5}").body());
        assertThat(shorter.get("state").asText()).isEqualTo("human");
        assertThat(shorter.get("human").get("secondsLeft").asLong()).isEqualTo(90);
        assertThat(Instant.parse(shorter.get("human").get("since").asText())).isEqualTo(since);
        assertThat(handoffs("admin")).isEqualTo(1.0);

        // Another number's conversation without a profile: the environment's pause (60 minutes in application.properties).
        named("outra", JOAO + "@s.whatsapp.net", "idle", "João");
        JsonNode elsewhere = JSON.readTree(post("/admin/conversations/outra/" + JOAO + "/pause", "{}").body());
        assertThat(elsewhere.get("human").get("secondsLeft").asLong()).isEqualTo(60 * 60);
        JsonNode explicit = JSON.readTree(post("/admin/conversations/outra/" + JOAO + "/pause", "{\"minutes\": 10080}").body());
        assertThat(explicit.get("human").get("secondsLeft").asLong()).isEqualTo(10080L * 60);
        assertThat(handoffs("admin")).isEqualTo(2.0);
    }

    @Test
    void resumeGivesTheConversationBackAndIs200AlsoWhenItWasNotHuman() throws Exception {
        start();
        long ana = named(INSTANCE, ANA_LID + "@lid", "idle", "Ana");
        human(ana, "customer", T.minusSeconds(60), T.plusSeconds(3600));

        HttpResponse<String> resumed = post("/admin/conversations/" + INSTANCE + "/" + ANA_LID + "/resume", null);
        assertThat(resumed.statusCode()).as(resumed.body()).isEqualTo(200);
        JsonNode summary = JSON.readTree(resumed.body());
        assertThat(summary.get("state").asText()).isEqualTo("idle");
        assertThat(summary.get("human").isNull()).isTrue();
        assertThat(summary.get("contactType").asText()).isEqualTo("lid");
        assertThat(value("select human_until from conversations where id = ?", ana)).isNull();
        assertThat(column("select kind || ':' || reason from conversation_events where conversation_id = ?", ana))
                .containsExactly("resume:admin");

        HttpResponse<String> again = post("/admin/conversations/" + INSTANCE + "/" + ANA_LID + "/resume", "{}");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(again.body()).get("state").asText()).isEqualTo("idle");
        assertThat(column("select kind from conversation_events where conversation_id = ?", ana)).hasSize(1);

        // Paused and resumed through the API: the conversation is the bot's again.
        post("/admin/conversations/" + INSTANCE + "/" + ANA_LID + "/pause", "{\"minutes\": 30}");
        assertThat(names("state=human")).containsExactly("Ana");
        post("/admin/conversations/" + INSTANCE + "/" + ANA_LID + "/resume", null);
        assertThat(names("state=human")).isEmpty();
    }

    @Test
    void anUnknownConversationIs404AndABadPauseBody400NamingTheField() throws Exception {
        start();
        named(INSTANCE, MARIA + "@s.whatsapp.net", "idle", "Maria");
        String notFound = "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,\"error\":\"not_found\"}";
        for (String path : List.of(INSTANCE + "/5500000000000", "nenhuma/" + MARIA, INSTANCE + "/abc",
                INSTANCE + "/" + MARIA + "@s.whatsapp.net")) {
            for (String op : List.of("pause", "resume")) {
                HttpResponse<String> answer = post("/admin/conversations/" + path + "/" + op, "{\"minutes\": 5}");
                assertThat(AdminApiRoutesTest.problem(answer, 404).toString()).as(op + " " + path).isEqualTo(notFound);
            }
        }

        String pause = "/admin/conversations/" + INSTANCE + "/" + MARIA + "/pause";
        String range = "minutes must be a number over 0, at most 10080";
        for (String body : List.of("{\"minutes\": 0}", "{\"minutes\": -5}", "{\"minutes\": 10080.5}",
                "{\"minutes\": \"30\"}", "{\"minutes\": true}", "{\"minutes\": {}}")) {
            assertThat(AdminApiRoutesTest.problem(post(pause, body), 400).toString()).as(body).isEqualTo(
                    "{\"type\":\"about:blank\",\"title\":\"Bad Request\",\"status\":400,\"error\":\"bad_request\","
                            + "\"detail\":\"" + range + "\",\"field\":\"minutes\"}");
        }
        JsonNode unknown = AdminApiRoutesTest.problem(post(pause, "{\"minutes\": 5, \"reason\": \"x\"}"), 400);
        assertThat(unknown.get("field").asText()).isEqualTo("reason");
        assertThat(unknown.get("detail").asText()).isEqualTo("reason is not a field of a pause (only minutes)");
        for (String body : List.of("[30]", "30", "{\"minutes\":", "\"x\"")) {
            JsonNode whole = AdminApiRoutesTest.problem(post(pause, body), 400);
            assertThat(whole.get("detail").asText()).as(body)
                    .isEqualTo("the body must be a JSON object, e.g. {\"minutes\": 30}");
            assertThat(whole.has("field")).as(body).isFalse();
        }
        assertThat(value("select count(*) from conversation_events")).isEqualTo("0");
        assertThat(handoffs("admin")).isZero();
    }

    // ---------------------------------------------------------------- handoffs

    @Test
    void theHandoffsAreTheCustomersOldestFirstWithTheirBusinessHoursWait() throws Exception {
        start();
        // Asked on Monday at 17:00: one open hour that day, one this morning.
        long monday = named(INSTANCE, MARIA + "@s.whatsapp.net", "idle", "Segunda");
        human(monday, "customer", Instant.parse("2026-03-02T17:00:00Z"), T.plusSeconds(3600));
        long morning = named(INSTANCE, JOAO + "@s.whatsapp.net", "idle", "Manhã");
        human(morning, "customer", Instant.parse("2026-03-03T09:30:00Z"), T.plusSeconds(3600));
        // The operator has written since: answered, no wait.
        long answered = named(INSTANCE, "5511900000007@s.whatsapp.net", "idle", "Respondida");
        human(answered, "customer", Instant.parse("2026-03-03T09:40:00Z"), T.plusSeconds(3600));
        execute("update conversations set operator_seen_at = ? where id = ?", Instant.parse("2026-03-03T09:45:00Z"),
                answered);
        // Another number, always open.
        long other = named("outra", "5511900000008@s.whatsapp.net", "idle", "Outra");
        human(other, "customer", Instant.parse("2026-03-03T09:50:00Z"), T.plusSeconds(3600));
        // Not customers' handoffs now: the operator's, one over, one opted out.
        human(named(INSTANCE, "5511900000011@s.whatsapp.net", "idle", "Operador"), "operator", T.minusSeconds(60),
                T.plusSeconds(3600));
        human(named(INSTANCE, "5511900000012@s.whatsapp.net", "idle", "Passou"), "customer", T.minusSeconds(7200),
                T.minusSeconds(1));
        long optedOut = named(INSTANCE, "5511900000013@s.whatsapp.net", "idle", "Saiu");
        human(optedOut, "customer", T.minusSeconds(60), T.plusSeconds(3600));
        execute("update conversations set opted_out_at = ? where id = ?", T, optedOut);

        HttpResponse<String> listed = get("/admin/handoffs");
        assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
        assertThat(listed.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(listed.body()).doesNotContain(MARIA);
        JsonNode items = JSON.readTree(listed.body()).get("items");
        assertThat(items.findValuesAsText("pushName")).containsExactly("Segunda", "Manhã", "Respondida", "Outra");
        assertThat(items.findValuesAsText("instance")).containsExactly(INSTANCE, INSTANCE, INSTANCE, "outra");
        assertThat(items.findValuesAsText("operatorAnswered")).containsExactly("false", "false", "true", "false");
        List<Long> waits = items.findValues("waitingSeconds").stream().map(JsonNode::asLong).toList();
        assertThat(waits.get(0)).isBetween(7200L, 7210L);
        assertThat(waits.get(1)).isBetween(1800L, 1810L);
        assertThat(waits.get(2)).isZero();
        assertThat(waits.get(3)).isBetween(600L, 610L);
        assertThat(items.get(0).get("contact").asText()).isEqualTo("5521*******21");
        assertThat(Instant.parse(items.get(0).get("since").asText())).isEqualTo(Instant.parse("2026-03-02T17:00:00Z"));
        assertThat(Instant.parse(items.get(0).get("until").asText())).isEqualTo(T.plusSeconds(3600));

        assertThat(JSON.readTree(get("/admin/handoffs?instance=outra&unmask=true").body()).get("items")
                .findValuesAsText("contact")).containsExactly("5511900000008");
        assertThat(AdminApiRoutesTest.problem(get("/admin/handoffs?unmask=yes"), 400).get("detail").asText())
                .isEqualTo("unmask must be true or false");

        // After closing time the wait stops growing: 09:30 to 18:00.
        clock().setTo(Instant.parse("2026-03-03T21:00:00Z"));
        execute("update conversations set human_until = ? where id in (?, ?, ?)", Instant.parse("2026-03-04T12:00:00Z"),
                monday, morning, answered);
        JsonNode evening = JSON.readTree(get("/admin/handoffs?instance=" + INSTANCE).body()).get("items");
        assertThat(evening.findValuesAsText("pushName")).containsExactly("Segunda", "Manhã", "Respondida");
        assertThat(evening.get(1).get("waitingSeconds").asLong()).isEqualTo(8 * 3600 + 1800);
        assertThat(evening.get(0).get("waitingSeconds").asLong()).isEqualTo(10 * 3600);
    }

    // ---------------------------------------------------------------- gauges

    @Test
    void theGaugesCountTheStatesAndTheLongestUnansweredHandoff() throws Exception {
        start();
        named(INSTANCE, "5511900000001@s.whatsapp.net", "idle", "Idle");
        long waiting = named(INSTANCE, "5511900000003@s.whatsapp.net", "idle", "Waiting");
        execute("update conversations set waiting_since = now() where id = ?", waiting);
        named(INSTANCE, "5511900000004@s.whatsapp.net", "replying", "Replying");
        long monday = named(INSTANCE, MARIA + "@s.whatsapp.net", "idle", "Segunda");
        human(monday, "customer", Instant.parse("2026-03-02T17:00:00Z"), T.plusSeconds(3600));
        long morning = named(INSTANCE, JOAO + "@s.whatsapp.net", "idle", "Manhã");
        human(morning, "customer", Instant.parse("2026-03-03T09:30:00Z"), T.plusSeconds(3600));
        long operator = named(INSTANCE, "5511900000011@s.whatsapp.net", "idle", "Operador");
        human(operator, "operator", T.minusSeconds(60), T.plusSeconds(3600));
        long optedOut = named(INSTANCE, "5511900000013@s.whatsapp.net", "idle", "Saiu");
        execute("update conversations set opted_out_at = ? where id = ?", T, optedOut);
        named("outra", "5511900000008@s.whatsapp.net", "answering", "Outra");
        instance("vazia");

        template.sendBody("direct:refresh-conversation-gauges", null);

        assertThat(state(INSTANCE, "idle")).isEqualTo(1);
        assertThat(state(INSTANCE, "waiting")).isEqualTo(1);
        assertThat(state(INSTANCE, "answering")).isEqualTo(1);
        assertThat(state(INSTANCE, "human")).isEqualTo(3);
        assertThat(state(INSTANCE, "opted_out")).isEqualTo(1);
        assertThat(state("outra", "answering")).isEqualTo(1);
        assertThat(state("outra", "human")).isZero();
        assertThat(state("vazia", "idle")).isZero();
        assertThat(handoffWait(INSTANCE)).isBetween(7200.0, 7210.0);
        assertThat(handoffWait("outra")).isZero();
        assertThat(handoffWait("vazia")).isZero();

        // The operator answers Monday's customer: the morning one waits longest now; an hour later, an hour more.
        execute("update conversations set operator_seen_at = ? where id = ?", T, monday);
        clock().advance(Duration.ofHours(1));
        execute("update conversations set human_until = ? where human_until is not null", T.plusSeconds(7200));
        template.sendBody("direct:refresh-conversation-gauges", null);
        assertThat(handoffWait(INSTANCE)).isBetween(5400.0, 5410.0);

        // Nobody waits any more: back to 0; the paused conversations are the bot's again once the clock passes.
        execute("update conversations set operator_seen_at = ? where id = ?", T.plusSeconds(3600), morning);
        clock().advance(Duration.ofHours(2));
        template.sendBody("direct:refresh-conversation-gauges", null);
        assertThat(handoffWait(INSTANCE)).isZero();
        assertThat(state(INSTANCE, "human")).isZero();
        assertThat(state(INSTANCE, "idle")).isEqualTo(4);
    }

    // ---------------------------------------------------------------- helpers

    MeterRegistry meters() {
        return context.getRegistry().lookupByNameAndType("metricsRegistry", MeterRegistry.class);
    }

    /** atende_handoffs_total{reason} over every instance. */
    double handoffs(String reason) {
        return meters().find("atende.handoffs").tag("reason", reason).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    double state(String instance, String state) {
        var gauge = meters().find("atende.conversations").tag("instance", instance).tag("state", state).gauge();
        assertThat(gauge).as("atende_conversations{instance=%s,state=%s}", instance, state).isNotNull();
        return gauge.value();
    }

    double handoffWait(String instance) {
        var gauge = meters().find("atende.handoff.wait").tag("instance", instance).gauge();
        assertThat(gauge).as("atende_handoff_wait_seconds{instance=%s}", instance).isNotNull();
        return gauge.value();
    }

    JsonNode item(String query) throws Exception {
        JsonNode items = JSON.readTree(get("/admin/conversations?" + query).body()).get("items");
        assertThat(items).as(query).hasSize(1);
        return items.get(0);
    }

    List<String> names(String query) throws Exception {
        HttpResponse<String> answer = get("/admin/conversations?" + query);
        assertThat(answer.statusCode()).as(query + ": " + answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body()).get("items").findValuesAsText("pushName");
    }

    HttpResponse<String> get(String path) {
        return Http.send("GET", baseUrl() + path, ADMIN_TOKEN, null);
    }

    /** A POST with this JSON body, or with none (and no Content-Type) when null. */
    HttpResponse<String> post(String path, String body) {
        return Http.send("POST", baseUrl() + path, ADMIN_TOKEN, body);
    }
}

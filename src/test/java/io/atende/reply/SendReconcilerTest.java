package io.atende.reply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SendReconcilerTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant FIRST = Instant.parse("2026-11-25T21:00:10Z");
    static final OutboundMessage PART = new OutboundMessage(7, 3, "loja", "5521987654321@s.whatsapp.net", "answer",
            "Abrimos às 9h.", 0, 1);
    static final Delivery ASK = new Delivery(PART, Delivery.Verdict.ASK, new Delivery.Unconfirmed(FIRST, FIRST, 1),
            null, 0, null);
    static final Instant WINDOW_START = FIRST.minusSeconds(60);

    static SendReconciler reconciler(SendReconciler.Mode mode, Instant now) {
        // No store: these paths never reach PostgreSQL.
        return new SendReconciler(null, new SendReconciler.Settings(mode, Duration.ofSeconds(30), Duration.ofSeconds(60)),
                Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void queryAsksForOurMessagesToTheContactInTheWindow() throws Exception {
        JsonNode q = JSON.readTree(reconciler(SendReconciler.Mode.HOLD, FIRST.plusSeconds(540)).findMessagesRequest(ASK));
        assertThat(q.at("/where/key/remoteJid").asText()).isEqualTo("5521987654321@s.whatsapp.net");
        assertThat(q.at("/where/key/fromMe").asBoolean()).isTrue();
        assertThat(q.at("/where/messageTimestamp/gte").asText()).isEqualTo("2026-11-25T20:59:10Z");
        assertThat(q.at("/where/messageTimestamp/lte").asText()).isEqualTo("2026-11-25T21:10:11Z");
        assertThat(q.get("offset").asInt()).isEqualTo(SendReconciler.PAGE_SIZE);
        assertThat(q.get("page").asInt()).isEqualTo(1);
        assertThat(SendReconciler.remoteJid("123@lid")).isEqualTo("123@lid");
    }

    @Test
    void aMatchingRecordIsTheSentPart() throws Exception {
        var v = SendReconciler.verdict(PART, WINDOW_START, page(2, record("A", true, "5521987654321@s.whatsapp.net",
                "Outro texto", FIRST), record("B", true, "5521987654321@s.whatsapp.net", "Abrimos às 9h.", FIRST)),
                ids -> List.of());
        assertThat(v.sentAs()).isEqualTo("B");
    }

    @Test
    void recordsThatDoNotMatchAreIgnored() throws Exception {
        var v = SendReconciler.verdict(PART, WINDOW_START, page(5,
                        record("A", false, "5521987654321@s.whatsapp.net", "Abrimos às 9h.", FIRST), // the customer's
                        record("B", true, "5521900000000@s.whatsapp.net", "Abrimos às 9h.", FIRST),  // another contact
                        record("C", true, "5521987654321@s.whatsapp.net", "Abrimos às 9h.", FIRST.minusSeconds(61)),
                        record("D", true, "5521987654321@s.whatsapp.net", "Abrimos às 10h.", FIRST),
                        record("E", true, "5521987654321@s.whatsapp.net", "Abrimos às 9h.", FIRST)),
                ids -> List.of("E")); // E is already the id of another of our messages
        assertThat(v.sentAs()).isNull();
        assertThat(v.complete()).isTrue();
    }

    @Test
    void anIncompletePageWithoutAMatchIsNotProofOfAbsence() throws Exception {
        var v = SendReconciler.verdict(PART, WINDOW_START, page(SendReconciler.PAGE_SIZE + 1,
                record("A", true, "5521987654321@s.whatsapp.net", "Outro", FIRST)), ids -> List.of());
        assertThat(v.sentAs()).isNull();
        assertThat(v.complete()).isFalse();
    }

    @Test
    void extendedTextAndRemoteJidAltAlsoMatch() throws Exception {
        String json = """
                {"messages":{"total":1,"pages":1,"currentPage":1,"records":[{"id":"c1","key":{"id":"X","fromMe":true,
                 "remoteJid":"99@lid","remoteJidAlt":"5521987654321@s.whatsapp.net"},
                 "message":{"extendedTextMessage":{"text":" Abrimos às 9h. "}},"messageTimestamp":%d}]}}"""
                .formatted(FIRST.getEpochSecond());
        assertThat(SendReconciler.verdict(PART, WINDOW_START, JSON.readTree(json), ids -> List.of()).sentAs()).isEqualTo("X");
    }

    @Test
    void anAttemptTooRecentToJudgeIsHeldWithoutAskingEvolution() {
        Delivery early = reconciler(SendReconciler.Mode.HOLD, FIRST.plusSeconds(29)).due(ASK);
        assertThat(early.verdict()).isEqualTo(Delivery.Verdict.HOLD);
        assertThat(early.reason()).contains("may still be in progress").contains("2026-11-25T21:00:40Z");
        assertThat(reconciler(SendReconciler.Mode.HOLD, FIRST.plusSeconds(30)).due(ASK)).isEqualTo(ASK);
    }

    @Test
    void whenEvolutionCannotTellTheModeDecides() {
        Instant now = FIRST.plusSeconds(60);
        Delivery held = reconciler(SendReconciler.Mode.HOLD, now).judge(ASK, 500, "{\"error\":\"x\"}");
        assertThat(held.verdict()).isEqualTo(Delivery.Verdict.HOLD);
        assertThat(held.reason()).contains("HTTP 500");
        assertThat(reconciler(SendReconciler.Mode.RESEND, now).judge(ASK, 200, "not json").verdict())
                .isEqualTo(Delivery.Verdict.RESEND);
        assertThat(reconciler(SendReconciler.Mode.HOLD, now).unreachable(ASK, new ConnectException("refused")).reason())
                .contains("unreachable").contains("refused");
    }

    @Test
    void onlyConnectFailuresCountAsNeverSent() {
        assertThat(EvolutionDelivery.neverConnected(new RuntimeException(new ConnectException("refused")))).isTrue();
        assertThat(EvolutionDelivery.neverConnected(new java.net.UnknownHostException("evolution"))).isTrue();
        assertThat(EvolutionDelivery.neverConnected(new SocketTimeoutException("Read timed out"))).isFalse();
        assertThat(EvolutionDelivery.neverConnected(new java.io.IOException("Connection reset"))).isFalse();
        assertThat(EvolutionDelivery.neverConnected(null)).isFalse();
    }

    @Test
    void modeParsing() {
        assertThat(SendReconciler.Mode.parse(" Hold ")).isEqualTo(SendReconciler.Mode.HOLD);
        assertThat(SendReconciler.Mode.parse("resend")).isEqualTo(SendReconciler.Mode.RESEND);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SendReconciler.Mode.parse("maybe"))
                .hasMessageContaining("ATENDE_SEND_RECONCILE");
    }

    static String record(String id, boolean fromMe, String jid, String text, Instant ts) {
        return """
                {"id":"c%s","key":{"id":"%s","fromMe":%s,"remoteJid":"%s"},"pushName":"Você","messageType":"conversation",
                 "message":{"conversation":"%s"},"messageTimestamp":%d,"source":"web","MessageUpdate":[]}"""
                .formatted(id, id, fromMe, jid, text, ts.getEpochSecond());
    }

    static JsonNode page(int total, String... records) throws Exception {
        return JSON.readTree("{\"messages\":{\"total\":" + total + ",\"pages\":1,\"currentPage\":1,\"records\":["
                + String.join(",", records) + "]}}");
    }
}

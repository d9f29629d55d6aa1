package io.atende.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ConversationJsonTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant T0 = Instant.parse("2026-12-02T09:00:00Z");

    static ConversationSummary summary(String jid) {
        return new ConversationSummary(7, "loja", jid, "Maria", "waiting", T0, T0.plusSeconds(30), 3, 2, 1);
    }

    static TranscriptMessage in(String remoteJid) {
        return new TranscriptMessage(11, "in", "text", "waiting", "Oi *tudo* bem?", T0, null, null, null, remoteJid);
    }

    @Test
    void aPageMasksTheContactsDigitsLikeTheLogsAndSaysWhatKindOfAddressItIs() throws Exception {
        ConversationPage page = new ConversationPage(new ConversationQuery(null, null, null, 2, false),
                List.of(summary("5521987654321@s.whatsapp.net"), summary("123456789012345@lid")), true);

        JsonNode body = JSON.readTree(new ConversationJson().page(page));

        assertThat(body.get("page").asInt()).isEqualTo(2);
        assertThat(body.get("pageSize").asInt()).isEqualTo(50);
        assertThat(body.get("hasMore").asBoolean()).isTrue();
        assertThat(body.get("items").get(0).toString()).isEqualTo("{\"instance\":\"loja\",\"contact\":\"5521*******21\","
                + "\"contactType\":\"phone\",\"pushName\":\"Maria\",\"state\":\"waiting\","
                + "\"waitingSince\":\"2026-12-02T09:00:00Z\",\"lastMessageAt\":\"2026-12-02T09:00:30Z\","
                + "\"counts\":{\"in\":3,\"out\":2,\"waiting\":1},\"human\":null,\"optedOutAt\":null}");
        assertThat(body.get("items").get(1).get("contact").asText()).isEqualTo("1234*********45");
        assertThat(body.get("items").get(1).get("contactType").asText()).isEqualTo("lid");
    }

    @Test
    void unmaskShowsTheWholeDigitsButNeverTheDomain() throws Exception {
        ConversationPage page = new ConversationPage(new ConversationQuery(null, null, null, 1, true),
                List.of(summary("5521987654321@s.whatsapp.net"), summary("123456789012345@lid")), false);

        JsonNode body = JSON.readTree(new ConversationJson().page(page));

        assertThat(body.get("items").findValuesAsText("contact")).containsExactly("5521987654321", "123456789012345");
    }

    @Test
    void aTranscriptShowsTheTextsAndMasksTheRemoteJidUnlessAskedFor() throws Exception {
        ConversationSummary conversation = new ConversationSummary(7, "loja", "5521987654321@s.whatsapp.net", null,
                "idle", null, T0, 1, 1, 0);
        List<TranscriptMessage> messages = List.of(in("5521987654321@s.whatsapp.net"),
                new TranscriptMessage(12, "out", "answer", "dead", "Abrimos às 9h.", T0.plusSeconds(5), 0, 2, null, null));

        JsonNode masked = JSON.readTree(new ConversationJson().transcript(new Transcript(
                new TranscriptQuery("loja", "5521987654321", null, false), conversation, messages, false)));
        assertThat(masked.toString()).doesNotContain("5521987654321");
        assertThat(masked.get("conversation").get("pushName").isNull()).isTrue();
        assertThat(masked.get("conversation").get("waitingSince").isNull()).isTrue();
        assertThat(masked.get("messages").get(0).toString()).isEqualTo("{\"id\":11,\"direction\":\"in\",\"kind\":\"text\","
                + "\"status\":\"waiting\",\"text\":\"Oi *tudo* bem?\",\"at\":\"2026-12-02T09:00:00Z\",\"partIndex\":null,"
                + "\"partCount\":null,\"ignoreReason\":null,\"remoteJid\":\"5521*******21@s.whatsapp.net\"}");
        assertThat(masked.get("messages").get(1).toString()).isEqualTo("{\"id\":12,\"direction\":\"out\",\"kind\":\"answer\","
                + "\"status\":\"dead\",\"text\":\"Abrimos às 9h.\",\"at\":\"2026-12-02T09:00:05Z\",\"partIndex\":0,"
                + "\"partCount\":2,\"ignoreReason\":null,\"remoteJid\":null}");

        JsonNode unmasked = JSON.readTree(new ConversationJson().transcript(new Transcript(
                new TranscriptQuery("loja", "5521987654321", null, true), conversation, messages, true)));
        assertThat(unmasked.get("conversation").get("contact").asText()).isEqualTo("5521987654321");
        assertThat(unmasked.get("messages").get(0).get("remoteJid").asText()).isEqualTo("5521987654321@s.whatsapp.net");
        assertThat(unmasked.get("hasMore").asBoolean()).isTrue();
    }
}

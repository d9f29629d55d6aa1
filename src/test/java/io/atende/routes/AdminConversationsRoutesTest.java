package io.atende.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.atende.store.Sql;
import io.atende.store.StoreUnavailableException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The conversations of the admin API over real HTTP: the list (filters, states, search, paging, masking) and the
 * transcript (phone and LID-only contacts, order, paging, masking, 404), from rows written with SQL.
 */
class AdminConversationsRoutesTest extends RouteTestSupport {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static final String MARIA = "5521987654321";
    static final String JOAO = "5511900000002";
    static final String ANA_LID = "123456789012345";

    long maria;
    long joao;
    long ana;
    long mariaElsewhere;

    /**
     * loja: Maria (phone, answered, idle), João (phone, a message waiting), Ana (LID only, her reply being
     * delivered); outra: Maria again (an LLM call in flight). Newest activity first: João, Maria at outra, Ana, Maria.
     */
    void conversations() {
        maria = conversation(INSTANCE, MARIA + "@s.whatsapp.net", "idle");
        execute("update conversations set push_name = 'Maria Souza' where id = ?", maria);
        message(maria, "in", "text", "answered", "Oi, vocês abrem sábado?", "10 minutes", null, null);
        message(maria, "out", "answer", "sent", "Abrimos às 9h.", "9 minutes", 0, 1);

        joao = conversation(INSTANCE, JOAO + "@s.whatsapp.net", "idle");
        execute("update conversations set push_name = 'João', waiting_since = now() - interval '1 minute' where id = ?", joao);
        message(joao, "in", "text", "waiting", "Quero um orçamento", "1 minute", null, null);

        ana = conversation(INSTANCE, ANA_LID + "@lid", "replying");
        execute("update conversations set push_name = 'Ana' where id = ?", ana);
        message(ana, "in", "text", "answered", "Tem entrega?", "5 minutes", null, null);
        message(ana, "out", "answer", "ready", "Temos sim.", "4 minutes", 0, 2);
        message(ana, "out", "answer", "ready", "Até 10 km.", "4 minutes", 1, 2);

        mariaElsewhere = conversation("outra", MARIA + "@s.whatsapp.net", "answering");
        execute("update conversations set push_name = 'Maria' where id = ?", mariaElsewhere);
        message(mariaElsewhere, "in", "text", "answering", "Bom dia", "2 minutes", null, null);
    }

    @Test
    void theListShowsEveryConversationNewestActivityFirstWithMaskedNumbers() throws Exception {
        startCamel();
        conversations();

        HttpResponse<String> listed = get("/admin/conversations");
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(listed.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(listed.body()).doesNotContain(MARIA).doesNotContain(JOAO).doesNotContain(ANA_LID);
        JsonNode page = JSON.readTree(listed.body());
        assertThat(page.get("page").asInt()).isEqualTo(1);
        assertThat(page.get("pageSize").asInt()).isEqualTo(50);
        assertThat(page.get("hasMore").asBoolean()).isFalse();
        assertThat(contacts(page)).containsExactly("5511*******02", "5521*******21", "1234*********45", "5521*******21");
        assertThat(page.get("items").findValuesAsText("instance")).containsExactly(INSTANCE, "outra", INSTANCE, INSTANCE);
        assertThat(page.get("items").findValuesAsText("state")).containsExactly("waiting", "answering", "answering", "idle");
        assertThat(page.get("items").findValuesAsText("contactType")).containsExactly("phone", "phone", "lid", "phone");
        assertThat(page.get("items").findValuesAsText("pushName")).containsExactly("João", "Maria", "Ana", "Maria Souza");

        JsonNode waiting = page.get("items").get(0);
        assertThat(Instant.parse(waiting.get("waitingSince").asText())).isBefore(Instant.parse(waiting.get("lastMessageAt").asText()).plusSeconds(1));
        assertThat(waiting.get("counts").toString()).isEqualTo("{\"in\":1,\"out\":0,\"waiting\":1}");
        JsonNode answered = page.get("items").get(3);
        assertThat(answered.get("waitingSince").isNull()).isTrue();
        assertThat(answered.get("counts").toString()).isEqualTo("{\"in\":1,\"out\":1,\"waiting\":0}");
        // The newest message's time: the answer's.
        Instant lastAt = Instant.parse(answered.get("lastMessageAt").asText());
        assertThat(lastAt.getEpochSecond() * 1_000_000 + lastAt.getNano() / 1000).isEqualTo(Long.parseLong(value(
                "select (extract(epoch from received_at) * 1000000)::bigint from messages where conversation_id = ? "
                        + "and direction = 'out'", maria)));
        assertThat(page.get("items").get(2).get("counts").toString()).isEqualTo("{\"in\":1,\"out\":2,\"waiting\":0}");

        JsonNode unmasked = JSON.readTree(get("/admin/conversations?unmask=true").body());
        assertThat(contacts(unmasked)).containsExactly(JOAO, MARIA, ANA_LID, MARIA);
        assertThat(contacts(JSON.readTree(get("/admin/conversations?unmask=false").body())))
                .containsExactly("5511*******02", "5521*******21", "1234*********45", "5521*******21");
    }

    @Test
    void theListFiltersByInstanceStateAndSearch() throws Exception {
        startCamel();
        conversations();

        assertThat(names("instance=outra")).containsExactly("Maria");
        assertThat(names("instance=nenhuma")).isEmpty();
        assertThat(names("state=waiting")).containsExactly("João");
        assertThat(names("state=answering")).containsExactly("Maria", "Ana");
        assertThat(names("state=IDLE")).containsExactly("Maria Souza");
        assertThat(names("instance=loja&state=answering")).containsExactly("Ana");
        // q: the push name, case-insensitive, or the digits of the number (or LID), written as people write them.
        assertThat(names("q=maria")).containsExactly("Maria", "Maria Souza");
        assertThat(names("q=SOUZA")).containsExactly("Maria Souza");
        assertThat(names("q=8765")).containsExactly("Maria", "Maria Souza");
        assertThat(names("q=" + URLEncoder.encode("+55 (11)", StandardCharsets.UTF_8))).containsExactly("João");
        assertThat(names("q=56789012")).containsExactly("Ana");
        assertThat(names("q=%25")).isEmpty();
        assertThat(names("q=_")).isEmpty();
        assertThat(names("q=maria&instance=loja&state=idle")).containsExactly("Maria Souza");
    }

    @Test
    void badListParametersAre400NamingTheParameter() throws Exception {
        startCamel();

        for (String query : List.of("state=paused", "state=answered", "state=")) {
            HttpResponse<String> answer = get("/admin/conversations?" + query);
            if (query.equals("state=")) {
                assertThat(answer.statusCode()).isEqualTo(200); // blank: no filter
                continue;
            }
            assertThat(AdminApiRoutesTest.problem(answer, 400).toString()).as(query).isEqualTo("{\"type\":\"about:blank\","
                    + "\"title\":\"Bad Request\",\"status\":400,\"error\":\"bad_request\","
                    + "\"detail\":\"state must be waiting, answering, idle, human or opted_out\"}");
        }
        for (String page : List.of("0", "-1", "abc", "1.5", "1000001")) {
            assertThat(AdminApiRoutesTest.problem(get("/admin/conversations?page=" + page), 400).get("detail").asText())
                    .as(page).isEqualTo("page must be a whole number from 1 to 1000000");
        }
        assertThat(AdminApiRoutesTest.problem(get("/admin/conversations?unmask=yes"), 400).get("detail").asText())
                .isEqualTo("unmask must be true or false");
    }

    @Test
    void theListPagesFiftyAtATime() throws Exception {
        startCamel();
        long instance = instance("massa");
        execute("""
                insert into conversations (instance_id, contact_jid, push_name, created_at)
                select ?, (5500000000000 + n)::text || '@s.whatsapp.net', 'Cliente ' || n, now() - n * interval '1 second'
                  from generate_series(1, 51) n""", instance);

        JsonNode first = JSON.readTree(get("/admin/conversations?instance=massa").body());
        assertThat(first.get("items")).hasSize(50);
        assertThat(first.get("hasMore").asBoolean()).isTrue();
        assertThat(first.get("items").get(0).get("pushName").asText()).isEqualTo("Cliente 1");
        JsonNode second = JSON.readTree(get("/admin/conversations?instance=massa&page=2").body());
        assertThat(second.get("page").asInt()).isEqualTo(2);
        assertThat(second.get("hasMore").asBoolean()).isFalse();
        assertThat(second.get("items").findValuesAsText("pushName")).containsExactly("Cliente 51");
        JsonNode third = JSON.readTree(get("/admin/conversations?instance=massa&page=3").body());
        assertThat(third.get("items")).isEmpty();
        assertThat(third.get("hasMore").asBoolean()).isFalse();
    }

    @Test
    void theTranscriptIsOldestFirstWithTextsAndMaskedNumbers() throws Exception {
        startCamel();
        conversations();

        HttpResponse<String> answer = get("/admin/conversations/" + INSTANCE + "/" + MARIA);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(answer.body()).doesNotContain(MARIA);
        JsonNode transcript = JSON.readTree(answer.body());
        JsonNode conversation = transcript.get("conversation");
        assertThat(conversation.get("contact").asText()).isEqualTo("5521*******21");
        assertThat(conversation.get("instance").asText()).isEqualTo(INSTANCE);
        assertThat(conversation.get("state").asText()).isEqualTo("idle");
        assertThat(conversation.get("pushName").asText()).isEqualTo("Maria Souza");
        assertThat(transcript.get("hasMore").asBoolean()).isFalse();
        assertThat(transcript.get("pageSize").asInt()).isEqualTo(100);
        JsonNode messages = transcript.get("messages");
        assertThat(messages.findValuesAsText("text")).containsExactly("Oi, vocês abrem sábado?", "Abrimos às 9h.");
        assertThat(messages.findValuesAsText("direction")).containsExactly("in", "out");
        assertThat(messages.findValuesAsText("kind")).containsExactly("text", "answer");
        assertThat(messages.findValuesAsText("status")).containsExactly("answered", "sent");
        JsonNode in = messages.get(0);
        assertThat(in.get("remoteJid").asText()).isEqualTo("5521*******21@s.whatsapp.net");
        assertThat(in.get("partIndex").isNull()).isTrue();
        assertThat(in.get("ignoreReason").isNull()).isTrue();
        assertThat(Instant.parse(in.get("at").asText())).isBefore(Instant.parse(messages.get(1).get("at").asText()));
        JsonNode out = messages.get(1);
        assertThat(out.get("partIndex").asInt()).isZero();
        assertThat(out.get("partCount").asInt()).isEqualTo(1);
        assertThat(out.get("remoteJid").isNull()).isTrue();
        assertThat(out.get("id").asLong()).isGreaterThan(in.get("id").asLong());

        JsonNode unmasked = JSON.readTree(get("/admin/conversations/" + INSTANCE + "/" + MARIA + "?unmask=true").body());
        assertThat(unmasked.get("conversation").get("contact").asText()).isEqualTo(MARIA);
        assertThat(unmasked.get("messages").get(0).get("remoteJid").asText()).isEqualTo(MARIA + "@s.whatsapp.net");

        // The same customer at the other number is another conversation.
        JsonNode elsewhere = JSON.readTree(get("/admin/conversations/outra/" + MARIA).body());
        assertThat(elsewhere.get("conversation").get("state").asText()).isEqualTo("answering");
        assertThat(elsewhere.get("messages").findValuesAsText("text")).containsExactly("Bom dia");

        // A contact known only by its LID: the LID's digits.
        JsonNode lid = JSON.readTree(get("/admin/conversations/" + INSTANCE + "/" + ANA_LID).body());
        assertThat(lid.get("conversation").get("contactType").asText()).isEqualTo("lid");
        assertThat(lid.get("conversation").get("contact").asText()).isEqualTo("1234*********45");
        assertThat(lid.get("messages").findValuesAsText("text")).containsExactly("Tem entrega?", "Temos sim.", "Até 10 km.");
        assertThat(lid.get("messages").findValuesAsText("partIndex")).containsExactly("null", "0", "1");
        assertThat(lid.get("messages").get(0).get("remoteJid").asText()).isEqualTo("1234*********45@lid");
    }

    @Test
    void anUnknownConversationIs404AndABadPageParameter400() throws Exception {
        startCamel();
        conversations();

        for (String path : List.of(INSTANCE + "/5500000000000", "nenhuma/" + MARIA, INSTANCE + "/abc",
                INSTANCE + "/" + MARIA + "@s.whatsapp.net", "outra/" + ANA_LID, INSTANCE + "/%20")) {
            assertThat(AdminApiRoutesTest.problem(get("/admin/conversations/" + path), 404).toString()).as(path)
                    .isEqualTo("{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,\"error\":\"not_found\"}");
        }
        for (String before : List.of("abc", "0", "-5")) {
            assertThat(AdminApiRoutesTest.problem(get("/admin/conversations/" + INSTANCE + "/" + MARIA + "?before=" + before),
                    400).get("detail").asText()).as(before).isEqualTo("before must be a whole number from 1 up");
        }
    }

    @Test
    void aLongTranscriptShowsTheLastHundredAndPagesBack() throws Exception {
        startCamel();
        long chatty = conversation(INSTANCE, MARIA + "@s.whatsapp.net", "idle");
        execute("""
                insert into messages (instance_id, conversation_id, direction, kind, text, status, received_at)
                select c.instance_id, c.id, 'in', 'text', 'mensagem ' || n, 'answered', now() - (106 - n) * interval '1 second'
                  from conversations c, generate_series(1, 105) n where c.id = ?""", chatty);

        JsonNode last = JSON.readTree(get("/admin/conversations/" + INSTANCE + "/" + MARIA).body());
        assertThat(last.get("hasMore").asBoolean()).isTrue();
        List<String> texts = last.get("messages").findValuesAsText("text");
        assertThat(texts).hasSize(100);
        assertThat(texts.get(0)).isEqualTo("mensagem 6");
        assertThat(texts.get(99)).isEqualTo("mensagem 105");
        long firstShown = last.get("messages").get(0).get("id").asLong();

        JsonNode earlier = JSON.readTree(get("/admin/conversations/" + INSTANCE + "/" + MARIA + "?before=" + firstShown).body());
        assertThat(earlier.get("hasMore").asBoolean()).isFalse();
        assertThat(earlier.get("messages").findValuesAsText("text"))
                .containsExactly("mensagem 1", "mensagem 2", "mensagem 3", "mensagem 4", "mensagem 5");
        assertThat(earlier.get("conversation").get("counts").get("in").asInt()).isEqualTo(105);
    }

    @Test
    void aStoreOutageIs503() throws Exception {
        advise("admin-list-conversations", a -> a.weaveById("load-conversations").replace()
                .throwException(new StoreUnavailableException(new SQLException("down"))));
        advise("admin-get-conversation", a -> a.weaveById("load-transcript").replace()
                .throwException(new StoreUnavailableException(new SQLException("down"))));
        startCamel();

        for (String path : List.of("/admin/conversations", "/admin/conversations/loja/" + MARIA)) {
            HttpResponse<String> answer = get(path);
            assertThat(AdminApiRoutesTest.problem(answer, 503).get("error").asText()).isEqualTo("unavailable");
            assertThat(answer.headers().firstValue("Retry-After")).hasValue("30");
        }
    }

    // ---------------------------------------------------------------- helpers

    /** A message of the conversation, stored that long ago (an interval, e.g. "5 minutes"). */
    long message(long conversation, String direction, String kind, String status, String text, String ago,
                 Integer partIndex, Integer partCount) {
        return tx().inTransaction(c -> Sql.oneLong(c, """
                insert into messages (instance_id, conversation_id, direction, kind, text, status, remote_jid,
                                      received_at, part_index, part_count)
                select c.instance_id, c.id, ?, ?, ?, ?, case when ? = 'in' then c.contact_jid end,
                       now() - ?::interval, ?, ?
                  from conversations c where c.id = ? returning id""",
                direction, kind, text, status, direction, ago, partIndex, partCount, conversation));
    }

    List<String> names(String query) throws Exception {
        HttpResponse<String> answer = get("/admin/conversations?" + query);
        assertThat(answer.statusCode()).as(query + ": " + answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body()).get("items").findValuesAsText("pushName");
    }

    static List<String> contacts(JsonNode page) {
        List<String> contacts = new ArrayList<>();
        page.get("items").forEach(i -> contacts.add(i.get("contact").asText()));
        return contacts;
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + ADMIN_TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}

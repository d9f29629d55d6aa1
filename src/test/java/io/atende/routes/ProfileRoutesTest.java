package io.atende.routes;

import io.atende.profile.InstanceProfiles;
import io.atende.support.Http;
import io.atende.support.Payloads;
import io.atende.support.Profiles;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The profile's branches of webhook-evolution.camel.yaml and intake-postgres.camel.yaml over real HTTP: the two steps
 * of the per-instance webhook token on both URLs, and the screening before the message is persisted.
 */
class ProfileRoutesTest extends RouteTestSupport {

    static final String UNAUTHORIZED = "{\"type\":\"about:blank\",\"title\":\"Unauthorized\",\"status\":401,\"error\":\"unauthorized\"}";
    static final String OWN_TOKEN = "token-proprio-da-padaria";

    MockEndpoint wakeDispatcher;
    MockEndpoint deliveries;

    void start() throws Exception {
        advise("intake-postgres", a -> a.weaveById("wake-dispatcher").replace().to("mock:wake-dispatcher"));
        advise("queue-notices", a -> a.interceptSendToEndpoint("{{atende.endpoint.deliveries}}")
                .skipSendToOriginalEndpoint().to("mock:deliveries"));
        wakeDispatcher = getMockEndpoint("mock:wake-dispatcher");
        deliveries = getMockEndpoint("mock:deliveries");
        startCamel();
    }

    void profile(String instance, String json) {
        Profiles.write(tx(), instance, json);
        context.getRegistry().lookupByNameAndType("instanceProfiles", InstanceProfiles.class).invalidate();
    }

    HttpResponse<String> post(String path, String token, String json) {
        return Http.post(baseUrl() + path, json, "Authorization", "Bearer " + token);
    }

    static String text(String instance, String id) {
        return Payloads.fixture("01-text-conversation.json").instance(instance).id(id).text("oi").json();
    }

    @Test
    void anInstanceWithItsOwnTokenAcceptsItOnBothUrlsAndNothingElse() throws Exception {
        start();
        profile("padaria", "{\"evolution\":{\"webhookToken\":\"" + OWN_TOKEN + "\"}}");

        String[] paths = {"/webhooks/evolution", "/webhooks/evolution/messages-upsert"};
        for (int i = 0; i < paths.length; i++) {
            String path = paths[i];
            assertProblem(post(path, WEBHOOK_TOKEN, text("padaria", "G" + i)), 401, UNAUTHORIZED);
            assertProblem(post(path, OWN_TOKEN, text("oficina", "O" + i)), 401, UNAUTHORIZED);
            assertThat(post(path, OWN_TOKEN, text("padaria", "P" + i)).body()).isEqualTo("{\"status\":\"accepted\"}");
            assertThat(post(path, WEBHOOK_TOKEN, text("oficina", "Q" + i)).body()).isEqualTo("{\"status\":\"accepted\"}");
        }
        assertThat(column("select wa_message_id from messages order by id")).containsExactly("P0", "Q0", "P1", "Q1");
    }

    @Test
    void anUnknownCallerGets401EvenForABodyThatIsNotAWebhook() throws Exception {
        start();
        profile("padaria", "{\"evolution\":{\"webhookToken\":\"" + OWN_TOKEN + "\"}}");

        assertProblem(post("/webhooks/evolution", "desconhecido", "{not json"), 401, UNAUTHORIZED);
        assertProblem(post("/webhooks/evolution/messages-upsert", "desconhecido", "{not json"), 401, UNAUTHORIZED);
        assertThat(post("/webhooks/evolution", OWN_TOKEN, "{not json").statusCode()).isEqualTo(400);
        assertThat(post("/webhooks/evolution", WEBHOOK_TOKEN, "{not json").statusCode()).isEqualTo(400);
    }

    @Test
    void aDisabledNumbersMessagesAreStoredInTheirConversationWithoutWakeUpOrNotice() throws Exception {
        start();
        profile("padaria", "{\"enabled\":false}");

        HttpResponse<String> text = postWebhook(text("padaria", "D1"));
        HttpResponse<String> audio = postWebhook(Payloads.fixture("04-audio-ptt.json").instance("padaria").id("D2").json());

        assertThat(text.body()).isEqualTo("{\"status\":\"ignored\",\"reason\":\"disabled\"}");
        assertThat(audio.body()).isEqualTo("{\"status\":\"ignored\",\"reason\":\"disabled\"}");
        assertThat(column("""
                select m.wa_message_id || ' ' || m.status || ' ' || m.ignore_reason || ' ' || coalesce(m.text, '-')
                       || ' ' || c.contact_jid
                  from messages m join conversations c on c.id = m.conversation_id order by m.id"""))
                .containsExactly("D1 ignored disabled oi " + CONTACT, "D2 ignored disabled - " + CONTACT);
        assertThat(column("select count(*) from conversations where waiting_since is not null")).containsExactly("0");
        assertThat(wakeDispatcher.getReceivedCounter()).isZero();
        assertThat(deliveries.getReceivedCounter()).isZero();
    }

    @Test
    void theProfilesReasonsAreTheAnswersAndTheStoredCodes() throws Exception {
        start();
        profile("lista", "{\"ignoreJids\":[\"5521987654321\"]}");
        profile("permitidos", "{\"allowJids\":[\"5511900000000\"]}");
        profile("gatilho", "{\"trigger\":{\"type\":\"keyword\",\"operator\":\"equals\",\"value\":\"oi\"}}");

        assertThat(postWebhook(text("lista", "L1")).body()).isEqualTo("{\"status\":\"ignored\",\"reason\":\"ignore_list\"}");
        assertThat(postWebhook(text("permitidos", "A1")).body())
                .isEqualTo("{\"status\":\"ignored\",\"reason\":\"not_allowed\"}");
        assertThat(postWebhook(Payloads.fixture("01-text-conversation.json").instance("gatilho").id("T1").text("olá")
                .json()).body()).isEqualTo("{\"status\":\"ignored\",\"reason\":\"no_trigger\"}");
        assertThat(postWebhook(text("gatilho", "T2")).body()).isEqualTo("{\"status\":\"accepted\"}");

        assertThat(column("select wa_message_id || ' ' || status || ' ' || coalesce(ignore_reason, '-')"
                + " from messages order by id"))
                .containsExactly("L1 ignored ignore_list", "A1 ignored not_allowed", "T1 ignored no_trigger",
                        "T2 waiting -");
        assertThat(wakeDispatcher.getReceivedCounter()).isEqualTo(1);
    }
}

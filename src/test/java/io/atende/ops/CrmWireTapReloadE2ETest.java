package io.atende.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OllamaFixture;
import io.atende.support.AtendeRunner;
import io.atende.support.Http;
import io.atende.support.Payloads;
import io.atende.support.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * docs/routes.md, example 3: the two YAML blocks of that page, applied to a copy of the routes of a running gateway
 * (route reload), send every answered turn to a CRM without a restart, and the customer still gets the reply.
 */
class CrmWireTapReloadE2ETest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String DOC_CRM_URL = "http://crm.local:9000/atende/answers";

    @TempDir
    Path resources;
    @TempDir
    Path dataDir;
    AtendeRunner app;
    OllamaFixture ollama;
    EvolutionFixture evolution;
    HttpServer crm;
    final List<String> crmBodies = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
        if (crm != null) {
            crm.stop(0);
        }
        ollama.close();
        evolution.close();
    }

    /** The YAML between {@code <!-- name:begin -->} and {@code <!-- name:end -->} in docs/routes.md. */
    static String docBlock(String name) throws Exception {
        String doc = Files.readString(Tools.repo().resolve("docs/routes.md"));
        Matcher m = Pattern.compile("<!-- " + name + ":begin -->\\s*```yaml\\n(.*?)```\\s*<!-- " + name + ":end -->",
                Pattern.DOTALL).matcher(doc);
        assertThat(m.find()).as("block %s in docs/routes.md", name).isTrue();
        return m.group(1);
    }

    @Test
    void theDocumentedWireTapSendsEveryAnsweredTurnToTheCrmAfterALiveReload() throws Exception {
        crm = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        crm.createContext("/atende/answers", ex -> {
            crmBodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        crm.start();
        ollama = OllamaFixture.start();
        evolution = EvolutionFixture.start("k");
        Path routes = Tools.copyOfTheRoutes(resources);
        app = new AtendeRunner()
                .database(TestPostgres.newDatabase(), dataDir)
                .set("atende.webhook.token", "t")
                .set("atende.ollama.base-url", ollama.baseUrl())
                .set("atende.evolution.base-url", evolution.baseUrl())
                .set("atende.evolution.api-key", "k")
                .set("camel.main.routes-reload-enabled", "true")
                .set("camel.main.routes-reload-directory", routes.toString())
                .start();

        send("3ACRM000000000000001", "antes da mudança");
        await().atMost(Duration.ofSeconds(20)).until(() -> evolution.sent().size() == 1);

        // The engineer applies example 3: the wire-tap in answer-conversation, and the new crm.camel.yaml.
        Path conversation = routes.resolve("conversation.camel.yaml");
        String before = Files.readString(conversation);
        String anchor = "        - to:\n            id: deliver-answer\n";
        assertThat(before).contains(anchor);
        Files.writeString(routes.resolve("crm.camel.yaml"), docBlock("crm-route").replace(DOC_CRM_URL,
                "http://127.0.0.1:" + crm.getAddress().getPort() + "/atende/answers"));
        Files.writeString(conversation, before.replace(anchor, docBlock("crm-tap") + anchor));
        // While a file reloads, its routes are removed then added again: a poll in between finds none.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            org.apache.camel.Route answer = app.context().getRoute("answer-conversation");
            return app.context().getRoute("answered-turn-to-crm") != null && answer != null
                    && answer.filter("answered-turn-to-crm").size() == 1;
        });

        send("3ACRM000000000000002", "depois da mudança");
        await().atMost(Duration.ofSeconds(20)).until(() -> evolution.sent().size() == 2 && crmBodies.size() == 1);
        assertThat(evolution.sent().get(1).text()).isEqualTo("Resposta: depois da mudança");
        JsonNode turn = JSON.readTree(crmBodies.get(0));
        assertThat(turn).hasSize(1);
        assertThat(turn.get(0).get("text").asText()).isEqualTo("Resposta: depois da mudança");
        assertThat(turn.get(0).get("instance").asText()).isEqualTo("loja");
        assertThat(turn.get(0).get("kind").asText()).isEqualTo("answer");
    }

    void send(String id, String text) {
        var ack = Http.post(app.baseUrl() + "/webhooks/evolution",
                Payloads.fixture("01-text-conversation.json").instance("loja").id(id).text(text).json(),
                "Authorization", "Bearer t");
        assertThat(ack.statusCode()).isEqualTo(200);
    }
}

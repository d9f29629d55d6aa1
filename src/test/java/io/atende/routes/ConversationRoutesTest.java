package io.atende.routes;

import io.atende.Atende;
import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OllamaFixture;
import io.atende.support.Payloads;
import io.atende.support.TestPostgres;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.test.main.junit5.CamelMainTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The YAML routes under camel-test-main: a webhook exchange enters the ingest route directly, and NotifyBuilder
 * waits until the conversation and delivery routes have done their part.
 */
class ConversationRoutesTest extends CamelMainTestSupport {

    static final OllamaFixture OLLAMA = OllamaFixture.start();
    static final EvolutionFixture EVOLUTION = EvolutionFixture.start("k");

    @AfterAll
    static void stopFixtures() {
        OLLAMA.close();
        EVOLUTION.close();
    }

    @Override
    protected void configure(MainConfigurationProperties configuration) {
        Atende.configurations().forEach(configuration::addConfiguration);
    }

    @Override
    protected Properties useOverridePropertiesWithPropertiesComponent() {
        Properties p = new Properties();
        try {
            p.put("atende.data-dir", Files.createTempDirectory("atende-routes").toString());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        p.put("atende.db.url", TestPostgres.newDatabase());
        p.put("atende.db.user", "postgres");
        p.put("atende.http.port", "0");
        p.put("atende.webhook.token", "t");
        p.put("atende.debounce-ms", "0");
        p.put("atende.ollama.base-url", OLLAMA.baseUrl());
        p.put("atende.evolution.base-url", EVOLUTION.baseUrl());
        p.put("atende.evolution.api-key", "k");
        return p;
    }

    @Test
    void ingestAcknowledgesThenTheConversationAndDeliveryRoutesAnswer() {
        NotifyBuilder answered = new NotifyBuilder(context).fromRoute("answer-conversation").whenCompleted(1).create();
        NotifyBuilder delivered = new NotifyBuilder(context).fromRoute("deliver-replies").whenCompleted(1).create();

        String ack = template.requestBodyAndHeaders("direct:ingest-evolution-webhook",
                Payloads.fixture("01-text-conversation.json").instance("rotas").text("tem entrega hoje?").json()
                        .getBytes(StandardCharsets.UTF_8),
                Map.of("Authorization", "Bearer t"), String.class);

        assertThat(ack).isEqualTo("{\"status\":\"accepted\"}");
        assertThat(answered.matches(20, TimeUnit.SECONDS)).isTrue();
        assertThat(delivered.matches(20, TimeUnit.SECONDS)).isTrue();
        assertThat(EVOLUTION.sent()).extracting(EvolutionFixture.SentText::text).containsExactly("Resposta: tem entrega hoje?");
    }

    @Test
    void wrongTokenIsRejectedBeforeAnythingIsStored() {
        NotifyBuilder anyAnswer = new NotifyBuilder(context).fromRoute("answer-conversation").whenDone(1).create();
        var reply = template.request("direct:ingest-evolution-webhook", e -> {
            e.getMessage().setBody(Payloads.fixture("01-text-conversation.json").instance("rotas-401").json());
            e.getMessage().setHeader("Authorization", "Bearer errado");
        });
        assertThat(reply.getException()).isInstanceOf(io.atende.support.UnauthorizedException.class);
        assertThat(anyAnswer.matches(1, TimeUnit.SECONDS)).isFalse();
    }
}

package io.atende.e2e;

import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OllamaFixture;
import io.atende.support.AtendeRunner;
import io.atende.support.Http;
import io.atende.support.Payloads;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * PostgreSQL goes away under a running gateway: webhooks get 503 (so Evolution retries them), never a stack trace
 * and never a 2xx for something not stored; when PostgreSQL is back, the retried webhook is stored and answered.
 */
class DatabaseOutageE2ETest {

    @TempDir
    Path pgData;
    @TempDir
    Path dataDir;

    @Test
    void databaseOutageAnswers503AndTheRetryIsAnsweredOnceItIsBack() throws Exception {
        int pgPort;
        EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(pgData).setCleanDataDirectory(false).start();
        pgPort = pg.getPort();
        try (OllamaFixture ollama = OllamaFixture.start();
             EvolutionFixture evolution = EvolutionFixture.start("k");
             AtendeRunner app = new AtendeRunner()
                     .database(pg.getJdbcUrl("postgres", "postgres"), dataDir)
                     .set("atende.webhook.token", "t")
                     .set("atende.ollama.base-url", ollama.baseUrl())
                     .set("atende.evolution.base-url", evolution.baseUrl())
                     .set("atende.evolution.api-key", "k")
                     .start()) {
            String json = Payloads.fixture("01-text-conversation.json").instance("outage").id("3AOUTAGE0000000000001")
                    .text("vocês estão aí?").json();

            pg.close();
            HttpResponse<String> down = Http.post(app.baseUrl() + "/webhooks/evolution", json, "Authorization", "Bearer t");
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(down.headers().firstValue("Retry-After")).contains("30");
            assertThat(down.body()).contains("\"error\":\"unavailable\"").doesNotContain("Exception").doesNotContain("\tat ");
            assertThat(Http.get(app.baseUrl() + "/observe/health/ready").statusCode()).isEqualTo(503);

            pg = EmbeddedPostgres.builder().setDataDirectory(pgData).setCleanDataDirectory(false).setPort(pgPort).start();
            await().atMost(Duration.ofSeconds(20)).until(
                    () -> Http.post(app.baseUrl() + "/webhooks/evolution", json, "Authorization", "Bearer t").statusCode() == 200);
            await().atMost(Duration.ofSeconds(20)).until(() -> evolution.sent().size() == 1);
            assertThat(evolution.sent().get(0).text()).isEqualTo("Resposta: vocês estão aí?");
        } finally {
            pg.close();
        }
    }
}

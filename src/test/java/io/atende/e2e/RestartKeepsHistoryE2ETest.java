package io.atende.e2e;

import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OllamaFixture;
import io.atende.support.AtendeRunner;
import io.atende.support.Http;
import io.atende.support.Payloads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The default setup (no ATENDE_DB_URL, no ATENDE_WEBHOOK_TOKEN): embedded PostgreSQL in the data dir and a generated
 * webhook token. A restart keeps both, and the conversation's history with them.
 */
class RestartKeepsHistoryE2ETest {

    @TempDir
    Path dataDir;

    @Test
    void restartOnTheEmbeddedDefaultsKeepsTokenAndHistory() throws Exception {
        try (OllamaFixture ollama = OllamaFixture.start(); EvolutionFixture evolution = EvolutionFixture.start("k")) {
            String token;
            try (AtendeRunner first = runner(ollama, evolution).start()) {
                Path tokenFile = dataDir.resolve("webhook-token");
                assertThat(tokenFile).exists();
                token = Files.readString(tokenFile).strip();
                assertThat(token).hasSizeGreaterThanOrEqualTo(40);
                post(first, token, "3AFIRST00000000000001", "Meu pedido é o 123");
                await().atMost(Duration.ofSeconds(20)).until(() -> evolution.sent().size() == 1);
            }
            assertThat(dataDir.resolve("postgres")).isDirectory();

            try (AtendeRunner second = runner(ollama, evolution).start()) {
                assertThat(Files.readString(dataDir.resolve("webhook-token")).strip()).isEqualTo(token);
                post(second, token, "3ASECOND0000000000002", "Já foi enviado?");
                await().atMost(Duration.ofSeconds(20)).until(() -> evolution.sent().size() == 2);
            }
            OllamaFixture.ChatCall afterRestart = ollama.calls().get(ollama.calls().size() - 1);
            assertThat(afterRestart.messages()).extracting(OllamaFixture.Msg::content).containsSequence(
                    "Meu pedido é o 123", "Resposta: Meu pedido é o 123", "Já foi enviado?");
        }
    }

    private AtendeRunner runner(OllamaFixture ollama, EvolutionFixture evolution) {
        return new AtendeRunner()
                .set("atende.data-dir", dataDir.toString())
                .set("atende.ollama.base-url", ollama.baseUrl())
                .set("atende.evolution.base-url", evolution.baseUrl())
                .set("atende.evolution.api-key", "k");
    }

    private static void post(AtendeRunner app, String token, String id, String text) {
        var ack = Http.post(app.baseUrl() + "/webhooks/evolution",
                Payloads.fixture("01-text-conversation.json").instance("loja").id(id).text(text).json(),
                "Authorization", "Bearer " + token);
        assertThat(ack.statusCode()).isEqualTo(200);
    }
}

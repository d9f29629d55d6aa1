package io.atende.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OllamaFixture;
import io.atende.fixtures.SttFixture;
import io.atende.support.AtendeRunner;
import io.atende.support.Http;
import io.atende.support.Payloads;
import io.atende.support.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Voice notes over real sockets: the webhook, the audio fetched from the Evolution stand-in (a real Ogg/Opus note),
 * the multipart request parsed by the speech-to-text stand-in, the transcript in the Ollama stand-in's prompt, the
 * reply through Evolution. Each test has its own instance.
 */
class VoiceNotesE2ETest {

    static final String TOKEN = "test-webhook-token-" + UUID.randomUUID();
    static final String EVOLUTION_KEY = "evo-key";
    static final Duration WAIT = Duration.ofSeconds(20);
    static final String MARKER = "[Áudio transcrito]";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dataDir;

    static OllamaFixture ollama;
    static EvolutionFixture evolution;
    static SttFixture stt;
    static AtendeRunner app;
    static String dbUrl;
    static byte[] ogg;

    @BeforeAll
    static void start() throws Exception {
        try (InputStream in = VoiceNotesE2ETest.class.getResourceAsStream("/voice/nota-de-voz.ogg")) {
            ogg = in.readAllBytes();
        }
        ollama = OllamaFixture.start();
        evolution = EvolutionFixture.start(EVOLUTION_KEY);
        stt = SttFixture.start();
        dbUrl = TestPostgres.newDatabase();
        app = runner().start();
    }

    static AtendeRunner runner() {
        return new AtendeRunner()
                .database(dbUrl, dataDir)
                .set("atende.node.id", "voice-replica")
                .set("atende.webhook.token", TOKEN)
                .set("atende.ollama.base-url", ollama.baseUrl())
                .set("atende.evolution.base-url", evolution.baseUrl())
                .set("atende.evolution.api-key", EVOLUTION_KEY)
                .set("atende.stt.url", stt.baseUrl() + "/inference")
                .set("atende.stt.max-seconds", "60")
                .set("atende.stt.timeout-s", "10")
                // failures here are the tests' own doing: the breaker must not carry them from one test to the next
                .set("atende.stt.breaker.minimum-calls", "1000")
                .set("atende.debounce-ms", "500");
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {app, ollama, evolution, stt}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // closing the rest matters more
            }
        }
    }

    @BeforeEach
    void normal() {
        stt.clearFaults();
        evolution.clearFaults();
    }

    static String newInstance() {
        return "voz-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String newId() {
        return "3A" + UUID.randomUUID().toString().replace("-", "").substring(0, 18).toUpperCase();
    }

    static HttpResponse<String> webhook(String json) {
        return Http.post(app.baseUrl() + "/webhooks/evolution", json, "Authorization", "Bearer " + TOKEN);
    }

    /** A voice note of {@code seconds}, its audio (the committed Ogg/Opus file) served by Evolution under its id. */
    static String voiceNote(String instance, String id, int seconds) throws Exception {
        evolution.media(id, ogg, "audio/ogg; codecs=opus");
        ObjectNode tree = (ObjectNode) JSON.readTree(Payloads.fixture("04-audio-ptt.json").instance(instance).id(id)
                .json());
        ((ObjectNode) tree.path("data").path("message").path("audioMessage")).put("seconds", seconds);
        return tree.toString();
    }

    static List<EvolutionFixture.SentText> sentTo(String instance) {
        return evolution.sent().stream().filter(s -> s.instance().equals(instance)).toList();
    }

    static List<OllamaFixture.ChatCall> callsMentioning(String text) {
        return ollama.calls().stream()
                .filter(c -> c.messages().stream().anyMatch(m -> m.content().contains(text))).toList();
    }

    static String row(String waId) throws Exception {
        try (Connection c = DriverManager.getConnection(dbUrl, "postgres", "");
             ResultSet rs = c.createStatement().executeQuery(
                     "select kind || '/' || status || '/' || coalesce(text, '-') from messages where wa_message_id = '"
                             + waId + "'")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    @Test
    void aVoiceNotesTranscriptReachesThePromptMarkedAndIsAnswered() throws Exception {
        String inst = newInstance();
        String id = newId();
        String said = "Vocês entregam no Méier? " + UUID.randomUUID();
        stt.transcript(" " + said + "\n");
        int before = stt.requests().size();

        HttpResponse<String> ack = webhook(voiceNote(inst, id, 9));

        assertThat(ack.statusCode()).isEqualTo(200);
        assertThat(ack.body()).contains("\"status\":\"accepted\"");
        await().atMost(WAIT).until(() -> sentTo(inst).size() >= 1);
        assertThat(sentTo(inst)).singleElement().extracting(EvolutionFixture.SentText::text)
                .isEqualTo("Resposta: " + MARKER + " " + said);

        OllamaFixture.ChatCall call = callsMentioning(said).get(0);
        assertThat(call.lastUserContent()).isEqualTo(MARKER + " " + said);
        assertThat(evolution.mediaRequests()).anySatisfy(m -> assertThat(m.keyId()).isEqualTo(id));
        SttFixture.Request request = stt.requests().get(before);
        assertThat(request.path()).isEqualTo("/inference");
        assertThat(request.language()).isEqualTo("pt");
        assertThat(request.responseFormat()).isEqualTo("json");
        assertThat(request.model()).isEqualTo("whisper-1");
        assertThat(request.fileSha256()).isEqualTo(SttFixture.sha256Hex(ogg));
        assertThat(row(id)).as("the transcript is kept, never the audio").isEqualTo("voice/answered/" + said);
    }

    @Test
    void aVoiceNoteAndATextInsideTheDebounceWindowAreOneTurnInOrder() throws Exception {
        String inst = newInstance();
        String said = "Queria encomendar um bolo " + UUID.randomUUID();
        stt.transcript(said).delayPerRequest(Duration.ofMillis(1500)); // longer than the 500 ms debounce

        webhook(voiceNote(inst, newId(), 4));
        webhook(Payloads.fixture("01-text-conversation.json").instance(inst).id(newId()).text("para sábado").json());

        await().atMost(WAIT).until(() -> sentTo(inst).size() >= 1);
        assertThat(callsMentioning(said)).singleElement().extracting(OllamaFixture.ChatCall::lastUserContent)
                .isEqualTo(MARKER + " " + said + "\npara sábado");
        assertThat(sentTo(inst)).singleElement().extracting(EvolutionFixture.SentText::text)
                .isEqualTo("Resposta: " + MARKER + " " + said + "\npara sábado");
    }

    @Test
    void withTheSpeechToTextServerDownTheCustomerIsAskedOnceToTypeAndTheNoteStaysMedia() throws Exception {
        String inst = newInstance();
        String id = newId();
        stt.respondAlways(500);
        int calls = ollama.calls().size();

        webhook(voiceNote(inst, id, 9));
        await().atMost(WAIT).until(() -> sentTo(inst).size() >= 1);
        assertThat(sentTo(inst).get(0).text()).startsWith("Desculpe, não consegui ouvir seu áudio");
        assertThat(row(id)).isEqualTo("media/noticed/-");

        stt.clearFaults().refuseConnections();
        webhook(voiceNote(inst, newId(), 5)); // a second note in the same wait: no second ask
        String marker = "então por escrito " + UUID.randomUUID();
        webhook(Payloads.fixture("01-text-conversation.json").instance(inst).id(newId()).text(marker).json());
        await().atMost(WAIT).until(() -> sentTo(inst).size() >= 2);
        assertThat(sentTo(inst)).extracting(EvolutionFixture.SentText::text)
                .containsExactly(sentTo(inst).get(0).text(), "Resposta: " + marker);
        assertThat(ollama.calls().size() - calls).as("the failed notes never reach the LLM").isEqualTo(1);
    }

    @Test
    void aNoteOverTheLimitIsDeclinedWithoutTranscription() throws Exception {
        String inst = newInstance();
        String id = newId();
        int before = evolution.mediaRequests().size();

        HttpResponse<String> ack = webhook(voiceNote(inst, id, 61));

        assertThat(ack.body()).contains("\"status\":\"noticed\"");
        await().atMost(WAIT).until(() -> sentTo(inst).size() >= 1);
        assertThat(sentTo(inst)).singleElement().extracting(EvolutionFixture.SentText::text).asString()
                .startsWith("Seu áudio é um pouco longo para mim").contains("até 60 segundos");
        assertThat(evolution.mediaRequests().size()).as("never fetched").isEqualTo(before);
        assertThat(row(id)).isEqualTo("media/noticed/-");
    }

    @Test
    void aStopInTheMiddleOfATranscriptionNeitherLosesTheNoteNorAnswersItTwice() throws Exception {
        String inst = newInstance();
        String id = newId();
        String said = "Ainda tem pão de queijo? " + UUID.randomUUID();
        stt.transcript(said).hang();
        int before = stt.requests().size();

        webhook(voiceNote(inst, id, 3));
        await().atMost(WAIT).until(() -> stt.inFlight() == 1);
        app.stop(); // in the middle of the transcription
        stt.release();
        stt.clearFaults();
        app = runner().start();

        await().atMost(WAIT).until(() -> sentTo(inst).size() >= 1);
        assertThat(sentTo(inst)).singleElement().extracting(EvolutionFixture.SentText::text)
                .isEqualTo("Resposta: " + MARKER + " " + said);
        assertThat(row(id)).isEqualTo("voice/answered/" + said);
        assertThat(callsMentioning(said)).hasSize(1);
        assertThat(stt.requests().size() - before).as("the interrupted attempt, then one more").isEqualTo(2);
    }
}

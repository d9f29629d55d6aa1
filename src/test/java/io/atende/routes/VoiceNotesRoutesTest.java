package io.atende.routes;

import io.atende.reply.OutboundMessage;
import io.atende.speech.SpeechToTextException;
import io.atende.speech.VoiceAudio;
import io.atende.speech.VoiceNotes;
import io.atende.support.Payloads;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * voice-notes.camel.yaml on a real database: each branch of a note's transcription, with the audio download and the
 * speech-to-text call replaced by mocks that answer, fail or take too long; the ask-to-type hand-off mocked.
 */
class VoiceNotesRoutesTest extends RouteTestSupport {

    MockEndpoint fetch;
    MockEndpoint stt;
    MockEndpoint askToType;
    MockEndpoint givenUp;

    @Override
    protected Properties overrides() {
        return settings("atende.stt.url=http://whisper.invalid:8080/inference", "atende.stt.timeout-s=1",
                "atende.stt.breaker.minimum-calls=1000", "atende.node.id=replica-a", "atende.busy-notice.text=",
                "atende.debounce-ms=3600000");
    }

    void adviseNotes() throws Exception {
        advise("intake-postgres", a -> a.weaveById("wake-dispatcher").replace().to("mock:wake-dispatcher"));
        advise("transcribe-voice-note", a -> {
            a.weaveById("fetch-audio").replace().to("mock:fetch-audio");
            a.weaveById("transcribe-audio").replace().to("mock:stt");
            a.weaveById("ask-to-type").replace().to("mock:ask-to-type");
            a.weaveById("turn-may-be-ready").replace().to("mock:turn-may-be-ready");
        });
        advise("claim-voice-notes", a -> a.weaveById("ask-to-type-after-give-up").replace().to("mock:given-up"));
        fetch = getMockEndpoint("mock:fetch-audio");
        stt = getMockEndpoint("mock:stt");
        askToType = getMockEndpoint("mock:ask-to-type");
        givenUp = getMockEndpoint("mock:given-up");
        fetch.whenAnyExchangeReceived(e -> e.getMessage().setBody(new VoiceAudio(new byte[] {1, 2, 3}, "audio/ogg")));
    }

    /** A voice note through the real intake: stored as transcribing before this returns. */
    void customerSpeaks(String id) {
        assertThat(ingest(Payloads.fixture("04-audio-ptt.json").instance("padaria").id(id).json()))
                .isEqualTo("{\"status\":\"accepted\"}");
    }

    /**
     * Claims the note and waits for its exchange to end (the circuit breaker runs its steps on a copy, which
     * completes first: the route's own exchange is the one that reaches the wake-up).
     */
    void claimAndWait() {
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("transcribe-voice-note")
                .wereSentTo("mock:turn-may-be-ready").whenDone(1).create();
        template.sendBody("direct:claim-voice-notes", null);
        assertThat(done.matches(10, TimeUnit.SECONDS)).isTrue();
    }

    String row(String id) {
        return value("select kind || '/' || status || '/' || coalesce(text, '-') || '/' || coalesce(failure_reason, '-')"
                + " from messages where wa_message_id = ?", id);
    }

    @Test
    void aTranscriptJoinsTheConversationAndTheDispatcherIsWoken() throws Exception {
        adviseNotes();
        startCamel();
        stt.whenAnyExchangeReceived(e -> e.getMessage().setBody("Vocês abrem amanhã?"));
        customerSpeaks("V1");
        assertThat(row("V1")).isEqualTo("voice/transcribing/-/-");

        claimAndWait();

        assertThat(row("V1")).isEqualTo("voice/waiting/Vocês abrem amanhã?/-");
        assertThat(value("select model_text from messages where wa_message_id = 'V1'"))
                .isEqualTo("[Áudio transcrito] Vocês abrem amanhã?");
        assertThat(fetch.getReceivedCounter()).isEqualTo(1);
        getMockEndpoint("mock:turn-may-be-ready").expectedMessageCount(1);
        askToType.expectedMessageCount(0);
        MockEndpoint.assertIsSatisfied(context);
    }

    @Test
    void aFailedTranscriptionAsksToTypeAndKeepsTheNoteAsMedia() throws Exception {
        adviseNotes();
        startCamel();
        stt.whenAnyExchangeReceived(e -> {
            throw new SpeechToTextException("stt_http_503", "the speech-to-text server answered HTTP 503");
        });
        customerSpeaks("V2");

        claimAndWait();

        assertThat(row("V2")).isEqualTo("media/noticed/-/stt_http_503");
        askToType.expectedMessageCount(1);
        getMockEndpoint("mock:turn-may-be-ready").expectedMessageCount(1);
        MockEndpoint.assertIsSatisfied(context);
        @SuppressWarnings("unchecked")
        List<OutboundMessage> notice = askToType.getReceivedExchanges().get(0).getMessage().getBody(List.class);
        assertThat(notice).singleElement().satisfies(n -> {
            assertThat(n.kind()).isEqualTo(VoiceNotes.VOICE_FAILED);
            assertThat(n.text()).startsWith("Desculpe, não consegui ouvir seu áudio");
        });
    }

    @Test
    void aTranscriptionOverTheTimeoutIsAFailure() throws Exception {
        adviseNotes();
        startCamel();
        stt.whenAnyExchangeReceived(e -> {
            Thread.sleep(3_000); // ATENDE_STT_TIMEOUT_S is 1 here
            e.getMessage().setBody("tarde demais");
        });
        customerSpeaks("V3");

        claimAndWait();

        assertThat(row("V3")).isEqualTo("media/noticed/-/stt_timeout");
        askToType.expectedMessageCount(1);
        MockEndpoint.assertIsSatisfied(context);
    }

    @Test
    void aNoteWhoseAttemptsAreUsedUpIsGivenUpWithoutTranscription() throws Exception {
        adviseNotes();
        startCamel();
        customerSpeaks("V4");
        execute("update messages set stt_attempts = 2, stt_owner = 'dead-replica', stt_until = now() - interval '1 s'"
                + " where wa_message_id = 'V4'");

        template.sendBody("direct:claim-voice-notes", null);

        givenUp.expectedMessageCount(1);
        MockEndpoint.assertIsSatisfied(context);
        assertThat(row("V4")).isEqualTo("media/noticed/-/stt_attempts");
        assertThat(fetch.getReceivedCounter()).isZero();
    }
}

package io.atende.speech;

import io.atende.conversation.ConversationQueue;
import io.atende.llm.LlmCapacity;
import io.atende.profile.InstanceProfiles;
import io.atende.store.Transactions;
import io.atende.support.AtendeMetrics;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.PropertyInject;

import java.time.Duration;

/** Voice notes: the speech-to-text server, Evolution's media download and the durable transcription work. */
public class SpeechConfiguration implements CamelConfiguration {

    /** A replica that died holding a note: one more attempt elsewhere, then the customer is asked to type. */
    private static final int MAX_ATTEMPTS = 2;
    private static final int MAX_AUDIO_BYTES = 25 * 1024 * 1024;

    @BindToRegistry(value = "speechToText", lazy = true)
    public SpeechToText speechToText(@PropertyInject(value = "atende.stt.url", defaultValue = "") String url,
                                     @PropertyInject("atende.stt.model") String model,
                                     @PropertyInject("atende.stt.language") String language) {
        return new SpeechToText(url, model, language);
    }

    @BindToRegistry(value = "evolutionMedia", lazy = true)
    public EvolutionMedia evolutionMedia() {
        return new EvolutionMedia(MAX_AUDIO_BYTES);
    }

    @BindToRegistry(value = "voiceNotes", lazy = true)
    public VoiceNotes voiceNotes(Transactions tx, SpeechToText stt, LlmCapacity llm, ConversationQueue.Lease lease,
                                 InstanceProfiles profiles, AtendeMetrics metrics,
                                 @PropertyInject("atende.stt.parallel") int parallel,
                                 @PropertyInject("atende.stt.timeout-s") int timeoutSeconds,
                                 @PropertyInject("atende.stt.prompt-marker") String marker) {
        if (parallel < 1) {
            throw new IllegalArgumentException("ATENDE_STT_PARALLEL must be at least 1");
        }
        // The lease outlives the transcription's own timeout, so only a dead replica's note is taken over.
        Duration leaseFor = Duration.ofSeconds(timeoutSeconds).plus(lease.duration());
        VoiceNotes notes = new VoiceNotes(tx, new VoiceNotes.Settings(parallel, leaseFor, MAX_ATTEMPTS,
                marker.strip()), llm::slotsNow, lease.owner(), profiles::of, metrics, stt.enabled());
        notes.releaseOwnLeases();
        return notes;
    }
}

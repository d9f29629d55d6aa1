package io.atende.speech;

/**
 * A voice note's audio as Evolution handed it over: held in memory for one transcription, never stored.
 *
 * @param mimetype e.g. {@code audio/ogg; codecs=opus}
 */
public record VoiceAudio(byte[] bytes, String mimetype) {

    @Override
    public String toString() {
        return "VoiceAudio[" + bytes.length + " bytes, " + mimetype + "]";
    }
}

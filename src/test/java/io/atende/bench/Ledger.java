package io.atende.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What the driver and the simulators saw, in one place, on one clock ({@link System#nanoTime()}): every
 * webhook sent and its acknowledgement, every LLM call, every sendText, and for voice notes every media download and
 * transcription. The report is computed from it.
 */
final class Ledger {

    /** One webhook the driver posted. */
    static final class Sent {
        final String marker;
        final String phase;
        final int instance;
        final int customer;
        final long sentNs;
        volatile long ackNs;
        volatile int httpStatus;
        volatile String ackStatus = "";
        /**
         * Its length in seconds for a voice note (0 for a text), and its WhatsApp key id (Evolution's media lookup for
         * a note; the database's {@code messages.wa_message_id}).
         */
        volatile int voiceSeconds;
        volatile String waId;

        Sent(String marker, String phase, int instance, int customer, long sentNs) {
            this.marker = marker;
            this.phase = phase;
            this.instance = instance;
            this.customer = customer;
            this.sentNs = sentNs;
        }

        boolean accepted() {
            return httpStatus == 200 && "accepted".equals(ackStatus);
        }

        boolean voice() {
            return voiceSeconds > 0;
        }
    }

    /**
     * One POST /api/chat or /api/generate the LLM simulator served. With the prompt-cache model: {@code promptTokens}
     * is what was sent (the rendered prompt's tokens), {@code evaluatedTokens} what the slot evaluated,
     * {@code cachedTokens} what it reused, {@code simulatedSlotSeconds} the modelled prompt evaluation plus generation
     * (uncompressed), {@code slot} the slot it used. {@code doneNs}: just before the simulator wrote the answer's last
     * part (the gateway cannot have seen the call end earlier); {@code endNs}: after it wrote the last byte.
     */
    record LlmCall(long arrivalNs, long slotNs, long doneNs, long endNs, boolean slotFreeAtArrival,
                   List<String> markers, int promptTokens, int replyTokens, int status, int evaluatedTokens,
                   int cachedTokens, double simulatedSlotSeconds, int slot, String endpoint) {

        /**
         * A call without the prompt-cache model: every prompt token evaluated, none cached; the slot time is not
         * modelled apart (NaN), slot -1.
         */
        LlmCall(long arrivalNs, long slotNs, long doneNs, long endNs, boolean slotFreeAtArrival, List<String> markers,
                int promptTokens, int replyTokens, int status) {
            this(arrivalNs, slotNs, doneNs, endNs, slotFreeAtArrival, markers, promptTokens, replyTokens, status,
                    promptTokens, 0, Double.NaN, -1, "chat");
        }
    }

    /**
     * One POST /inference the speech-to-text simulator answered: arrival, when whisper-server's one inference slot
     * was its, {@code doneNs} just before the answer was written; the note's WhatsApp key id, marker and length.
     */
    record SttCall(long arrivalNs, long slotNs, long doneNs, String waId, String marker, int seconds, int status) {
    }

    /** One POST /chat/getBase64FromMediaMessage the Evolution simulator answered. */
    record MediaCall(long arrivalNs, long endNs, String waId, int bytes, int status) {
    }

    /** One POST /message/sendText the Evolution simulator answered with 201. */
    record SendText(long arrivalNs, String instance, String number, List<String> markers, int chars) {
    }

    final Map<String, Sent> sent = new ConcurrentHashMap<>();
    final ConcurrentLinkedQueue<LlmCall> llmCalls = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<SendText> sends = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<SttCall> sttCalls = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<MediaCall> mediaCalls = new ConcurrentLinkedQueue<>();
    /** WhatsApp key id -> the voice note the driver posted with it. */
    final Map<String, Sent> voiceNotes = new ConcurrentHashMap<>();
    /** LLM calls and transcriptions open at the simulators at once, live (a cross-check of the ledger's intervals). */
    final InFlight inFlight = new InFlight();
    /** marker -> arrival times of the sendTexts that carried it. */
    final Map<String, List<Long>> answers = new ConcurrentHashMap<>();
    /** marker -> LLM call end time (last byte written). */
    final Map<String, Long> llmEnd = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> waiters = new ConcurrentHashMap<>();

    Sent recordSent(String marker, String phase, int instance, int customer) {
        Sent s = new Sent(marker, phase, instance, customer, System.nanoTime());
        sent.put(marker, s);
        return s;
    }

    void recordVoiceNote(Sent s, String waId, int seconds) {
        s.waId = waId;
        s.voiceSeconds = seconds;
        voiceNotes.put(waId, s);
    }

    void recordLlm(LlmCall call) {
        llmCalls.add(call);
        for (String m : call.markers()) {
            llmEnd.putIfAbsent(m, call.endNs());
        }
    }

    void recordSend(SendText send) {
        sends.add(send);
        for (String m : send.markers()) {
            answers.computeIfAbsent(m, k -> java.util.Collections.synchronizedList(new ArrayList<>()))
                    .add(send.arrivalNs());
            CountDownLatch l = waiters.get(m);
            if (l != null) {
                l.countDown();
            }
        }
    }

    /** Blocks until a reply carrying this marker was sent, or the timeout passes. */
    boolean awaitAnswer(String marker, long timeoutMs) throws InterruptedException {
        CountDownLatch latch = waiters.computeIfAbsent(marker, k -> new CountDownLatch(1));
        if (answers.containsKey(marker)) {
            return true;
        }
        return latch.await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    List<Sent> sentIn(String phase) {
        List<Sent> out = new ArrayList<>();
        for (Sent s : sent.values()) {
            if (s.phase.equals(phase)) {
                out.add(s);
            }
        }
        return out;
    }

    /** Accepted messages of these that have no reply yet. */
    static long unanswered(Collection<Sent> list, Ledger ledger) {
        return list.stream().filter(Sent::accepted).filter(s -> !ledger.answers.containsKey(s.marker)).count();
    }

    /**
     * Waits until every accepted message of the list has been answered, or {@code deadlineNanos} (on the
     * {@link System#nanoTime()} clock) has passed.
     *
     * @return how many accepted messages still have no answer
     */
    long awaitAnswered(Collection<Sent> list, long deadlineNanos) throws InterruptedException {
        while (unanswered(list, this) > 0 && System.nanoTime() < deadlineNanos) {
            Thread.sleep(100);
        }
        return unanswered(list, this);
    }
}

package io.atende.bench;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Requests open at the CPU-bound simulators at this instant: LLM calls (Ollama) and transcriptions (whisper-server),
 * and the highest counts seen since {@link #resetPeaks()}. A request counts from when a simulator's worker picks it up
 * until just before its answer's last part is written, which lies inside the time the gateway holds the request's
 * slot; so a peak above the LLM slots means the gateway ran more CPU-bound work at once than it may.
 */
final class InFlight {

    enum Kind { LLM, STT }

    private final AtomicInteger llm = new AtomicInteger();
    private final AtomicInteger stt = new AtomicInteger();
    private final AtomicInteger both = new AtomicInteger();
    private final AtomicInteger peakLlm = new AtomicInteger();
    private final AtomicInteger peakStt = new AtomicInteger();
    private final AtomicInteger peakBoth = new AtomicInteger();

    /** A request of this kind starts; call {@link #exit} exactly once for it. */
    void enter(Kind kind) {
        int k = (kind == Kind.LLM ? llm : stt).incrementAndGet();
        (kind == Kind.LLM ? peakLlm : peakStt).accumulateAndGet(k, Math::max);
        peakBoth.accumulateAndGet(both.incrementAndGet(), Math::max);
    }

    void exit(Kind kind) {
        both.decrementAndGet();
        (kind == Kind.LLM ? llm : stt).decrementAndGet();
    }

    void resetPeaks() {
        peakLlm.set(llm.get());
        peakStt.set(stt.get());
        peakBoth.set(both.get());
    }

    int peakLlm() {
        return peakLlm.get();
    }

    int peakStt() {
        return peakStt.get();
    }

    int peakCombined() {
        return peakBoth.get();
    }
}

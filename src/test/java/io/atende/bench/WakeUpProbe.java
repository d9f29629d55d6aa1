package io.atende.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * The machine's floor for the gateway-overhead figures: how long a parked thread takes to run again after another
 * thread unparks it, when the machine has been idle for a while before (as it is between the overhead phase's
 * single turns). Each direction of a turn is a chain of such hand-offs (between the gateway's threads, and to
 * PostgreSQL's backend and back for each statement); on a virtual machine a vCPU that went idle can take
 * milliseconds to run the woken thread, which no code in the gateway can shorten.
 */
final class WakeUpProbe {

    private WakeUpProbe() {
    }

    /** {@code samples} unpark-to-run latencies, each after {@code idleMillis} of the prober sleeping. */
    static Map<String, Object> measure(int samples, long idleMillis) throws InterruptedException {
        long[] latency = new long[samples];
        // 0 = nothing pending; otherwise the nanoTime of the unpark the waiter has not seen yet.
        java.util.concurrent.atomic.AtomicLong signalled = new java.util.concurrent.atomic.AtomicLong();
        Thread waiter = new Thread(() -> {
            for (int i = 0; i < samples; i++) {
                long at;
                while ((at = signalled.get()) == 0) {
                    LockSupport.park();
                }
                latency[i] = System.nanoTime() - at;
                signalled.set(0);
            }
        }, "bench-wake-probe");
        waiter.setDaemon(true);
        waiter.start();
        for (int i = 0; i < samples; i++) {
            Thread.sleep(idleMillis);
            signalled.set(System.nanoTime());
            LockSupport.unpark(waiter);
            while (signalled.get() != 0) {
                Thread.onSpinWait();
            }
        }
        waiter.join();
        List<Double> ms = new ArrayList<>(samples);
        long over1ms = 0;
        for (long l : latency) {
            ms.add(l / 1e6);
            over1ms += l > 1_000_000 ? 1 : 0;
        }
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("idle_before_each_ms", idleMillis);
        m.put("wake_up_ms", new Stats(ms).summary());
        m.put("share_over_1_ms", Stats.r(over1ms / (double) samples));
        return m;
    }
}

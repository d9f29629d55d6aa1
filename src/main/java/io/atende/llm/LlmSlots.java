package io.atende.llm;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * What each LLM slot of this replica computed last, modelled on Ollama's own slot choice: a server keeps each slot's
 * KV cache and evaluates only what a new prompt adds after the longest prefix it shares with that slot. All prompts
 * of one number share the system prompt and facts, and a conversation's last prompt and answer begin its next prompt;
 * so a call is best run on the slot that last served its conversation, else its number.
 * <p>
 * A call takes, on the backend it runs on, the free slot reserved for its conversation, else the one that served its
 * conversation last, else its number, else the least recently used; and frees it when it ends, however it ends. The
 * claim ({@code atende_claim_turns}) is told the free slots ({@link #free()}) to prefer the conversations they served,
 * and each claimed turn then reserves its slot ({@link #assign}) until its call starts or the reservation expires.
 * <p>
 * The memory is this replica's own: with several replicas each knows only the calls it made (the slot cap itself is
 * shared, in PostgreSQL). A replica's memory is right for one Ollama server it alone uses; shared servers only lose
 * some of the benefit, never correctness.
 */
public final class LlmSlots {

    /** The backend name of a single LLM server (no {@code _BASE_URLS}). */
    public static final String SINGLE = "llm";

    /** One slot as a claim sees it: its backend, and the number and conversation it served last (null: never used). */
    public record Slot(String backend, int index, Long instanceId, Long conversationId) {
    }

    /** The free slots, in a stable order; a claim's {@code affinity_slot} is an index into this list. */
    public record Free(List<Slot> slots) {
        public static final Free NONE = new Free(List.of());

        public Free {
            slots = List.copyOf(slots);
        }

        public Long[] instanceIds() {
            return slots.stream().map(Slot::instanceId).toArray(Long[]::new);
        }

        public Long[] conversationIds() {
            return slots.stream().map(Slot::conversationId).toArray(Long[]::new);
        }
    }

    /** A claimed turn and the index, in {@link Free#slots()}, of the slot the claim matched it to (null: none). */
    public record Pick(long conversationId, Integer slot) {
    }

    /** One call's hold on a slot, released once when closed. */
    public interface Hold extends AutoCloseable {
        /** The slot held, or null when every slot of the backend was busy (more calls than this replica counts). */
        Slot slot();

        @Override
        void close();
    }

    private static final class Entry {
        final String backend;
        final int index;
        Long instanceId;
        Long conversationId;
        boolean busy;
        /** When last taken (a counter); 0: never used. */
        long used;
        Long reservedFor;
        long reservedUntil;

        Entry(String backend, int index) {
            this.backend = backend;
            this.index = index;
        }

        Slot slot() {
            return new Slot(backend, index, instanceId, conversationId);
        }
    }

    private final List<Entry> entries = new ArrayList<>();
    private final boolean affinity;
    private final long reservationMillis;
    private final LongSupplier clock;
    private long uses;

    /**
     * @param backends    each backend's name and slots, in order
     * @param affinity    false: the claim is told no slot and no backend is preferred (plain round robin), though the
     *                    memory is still kept
     * @param reservation how long a claimed turn keeps its slot before its call starts (a turn taken over, or failed
     *                    before the call, never starts it)
     * @param clockMillis the time in milliseconds (injectable for tests)
     */
    public LlmSlots(Map<String, Integer> backends, boolean affinity, Duration reservation, LongSupplier clockMillis) {
        backends.forEach((name, slots) -> {
            for (int i = 0; i < slots; i++) {
                entries.add(new Entry(name, i));
            }
        });
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("no LLM slot to remember");
        }
        this.affinity = affinity;
        this.reservationMillis = reservation.toMillis();
        this.clock = clockMillis;
    }

    /** One server with this many slots. */
    public static LlmSlots single(int slots, boolean affinity) {
        return new LlmSlots(Map.of(SINGLE, slots), affinity, Duration.ofSeconds(5), System::currentTimeMillis);
    }

    /** The backends of {@link LlmBackends}, by {@link LlmBackends.Spec#name()}. */
    public static LlmSlots of(List<LlmBackends.Spec> specs, boolean affinity) {
        Map<String, Integer> backends = new LinkedHashMap<>();
        specs.forEach(s -> backends.put(s.name(), s.slots()));
        return new LlmSlots(backends, affinity, Duration.ofSeconds(5), System::currentTimeMillis);
    }

    public boolean affinity() {
        return affinity;
    }

    /** The free slots not reserved for a claimed turn, for the claim to match (none when affinity is off). */
    public synchronized Free free() {
        if (!affinity) {
            return Free.NONE;
        }
        long now = clock.getAsLong();
        return new Free(entries.stream().filter(e -> available(e, now)).map(Entry::slot).toList());
    }

    /**
     * Reserves a slot for each claimed turn: the one the claim matched it to, else a free slot no other turn of this
     * round matched, never used ones first, then the least recently used.
     */
    public synchronized void assign(Free free, List<Pick> picks) {
        long now = clock.getAsLong();
        List<Entry> taken = new ArrayList<>();
        List<Pick> rest = new ArrayList<>();
        for (Pick p : picks) {
            Entry e = p.slot() == null || p.slot() < 0 || p.slot() >= free.slots().size() ? null
                    : entry(free.slots().get(p.slot()));
            if (e != null && available(e, now)) {
                reserve(e, p.conversationId(), now);
                taken.add(e);
            } else {
                rest.add(p);
            }
        }
        List<Entry> matchedByNoOne = new ArrayList<>(free.slots().stream().map(this::entry)
                .filter(Objects::nonNull).filter(e -> !taken.contains(e)).toList());
        for (Pick p : rest) {
            matchedByNoOne.removeIf(e -> !available(e, now));
            Entry e = matchedByNoOne.stream().min(Comparator.comparingLong(x -> x.used)).orElse(null);
            if (e == null) {
                // slots freed since the claim read them
                e = entries.stream().filter(x -> available(x, now)).min(Comparator.comparingLong(x -> x.used))
                        .orElse(null);
            }
            if (e == null) {
                return;
            }
            reserve(e, p.conversationId(), now);
            matchedByNoOne.remove(e);
        }
    }

    /**
     * The backend to try first for this prompt: the one with a free slot reserved for its conversation, else one
     * whose free slot served its conversation last, else its number. Null: no preference.
     */
    public synchronized String preferredBackend(LlmPrompt.CacheKey key) {
        if (!affinity || key == null) {
            return null;
        }
        long now = clock.getAsLong();
        Entry e = best(null, key, now);
        return e == null ? null : e.backend;
    }

    /**
     * A call starts on this backend: it takes the free slot reserved for its conversation, else the one that served
     * its conversation last, else its number, else the least recently used one. Close the hold when the call ends.
     */
    public synchronized Hold take(String backend, LlmPrompt.CacheKey key) {
        long now = clock.getAsLong();
        Entry e = best(backend, key, now);
        if (key != null) {
            // a turn that spilt over to another backend leaves no reservation behind
            entries.stream().filter(x -> reservedFor(x, key.conversationId(), now)).forEach(x -> x.reservedFor = null);
        }
        if (e == null) {
            return new Hold() {
                @Override
                public Slot slot() {
                    return null;
                }

                @Override
                public void close() {
                }
            };
        }
        e.busy = true;
        e.reservedFor = null;
        e.used = ++uses;
        if (key != null) {
            e.instanceId = key.instanceId();
            e.conversationId = key.conversationId();
        } else {
            e.instanceId = null;
            e.conversationId = null;
        }
        Slot slot = e.slot();
        return new Hold() {
            private boolean closed;

            @Override
            public Slot slot() {
                return slot;
            }

            @Override
            public void close() {
                synchronized (LlmSlots.this) {
                    if (!closed) {
                        closed = true;
                        e.busy = false;
                    }
                }
            }
        };
    }

    /** Runs each call of this client on a slot of backend {@code backend} (a single server). */
    public LlmClient around(String backend, LlmClient client) {
        return prompt -> {
            try (Hold ignored = take(backend, prompt.cacheKey())) {
                return client.chat(prompt);
            }
        };
    }

    /** A copy of every slot now, for tests and diagnostics. */
    public synchronized List<Slot> slots() {
        return entries.stream().map(Entry::slot).toList();
    }

    /** Slots of this backend busy now. */
    public synchronized int busy(String backend) {
        return (int) entries.stream().filter(e -> e.busy && e.backend.equals(backend)).count();
    }

    /** The best free slot for this key (on this backend; null: any backend), following Ollama's preference. */
    private Entry best(String backend, LlmPrompt.CacheKey key, long now) {
        List<Entry> free = entries.stream().filter(e -> !e.busy && (backend == null || e.backend.equals(backend)))
                .toList();
        if (key != null) {
            for (Entry e : free) {
                if (reservedFor(e, key.conversationId(), now)) {
                    return e;
                }
            }
            for (Entry e : free) {
                if (unreserved(e, now) && Objects.equals(e.conversationId, key.conversationId())) {
                    return e;
                }
            }
            Entry sameNumber = free.stream().filter(e -> unreserved(e, now)
                            && Objects.equals(e.instanceId, key.instanceId()))
                    .max(Comparator.comparingLong(e -> e.used)).orElse(null);
            if (sameNumber != null) {
                return sameNumber;
            }
        }
        if (backend == null) {
            return null;
        }
        Entry lru = free.stream().filter(e -> unreserved(e, now)).min(Comparator.comparingLong(e -> e.used))
                .orElse(null);
        // every free slot is reserved for another turn: take the one held longest rather than none
        return lru != null ? lru : free.stream().min(Comparator.comparingLong(e -> e.used)).orElse(null);
    }

    private Entry entry(Slot s) {
        for (Entry e : entries) {
            if (e.backend.equals(s.backend()) && e.index == s.index()) {
                return e;
            }
        }
        return null;
    }

    private void reserve(Entry e, long conversationId, long now) {
        e.reservedFor = conversationId;
        e.reservedUntil = now + reservationMillis;
    }

    private static boolean available(Entry e, long now) {
        return !e.busy && unreserved(e, now);
    }

    private static boolean unreserved(Entry e, long now) {
        return e.reservedFor == null || e.reservedUntil <= now;
    }

    private static boolean reservedFor(Entry e, long conversationId, long now) {
        return e.reservedFor != null && e.reservedFor == conversationId && e.reservedUntil > now;
    }
}

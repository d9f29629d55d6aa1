package io.atende.llm;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Several LLM servers of one provider behind one {@link LlmClient} ({@code OLLAMA_BASE_URLS} or
 * {@code OPENAI_BASE_URLS}, e.g. {@code http://a:11434#2,http://b:11434#1}, the number being that backend's slots).
 * Each call goes to the backend with the most free slots (least busy; ties go to the bigger backend), through that
 * backend's own circuit breaker ({@code <provider>-<host>:<port>}). A failed call fails over to the next backend. The
 * LLM cap handed to the durable queue is the sum of the slots of the backends whose breaker is not open.
 * <p>
 * A conversation sticks to the backend whose slot holds its prompt's prefix ({@link LlmSlots}): the call goes there
 * first while that backend has a free slot and its breaker lets it through, and spills over in the order above only
 * when it is busy or open.
 */
public final class LlmBackends implements LlmClient {

    private static final Logger LOG = LoggerFactory.getLogger(LlmBackends.class);

    /** One configured backend: its base URL and how many calls it computes at once. */
    public record Spec(String baseUrl, int slots) {
        public Spec {
            if (slots < 1) {
                throw new IllegalArgumentException("an LLM backend needs at least one slot: " + baseUrl);
            }
        }

        /** {@code host:port}, used in breaker and metric names. */
        public String name() {
            URI u = URI.create(baseUrl);
            int port = u.getPort() > 0 ? u.getPort() : ("https".equals(u.getScheme()) ? 443 : 80);
            return u.getHost() + ":" + port;
        }
    }

    /** Breaker settings, the same for every backend. */
    public record BreakerSettings(int failureRatePercent, int minimumCalls, int window, Duration open) {
    }

    /** No backend could take the call: all breakers open, or every backend failed. */
    public static final class NoBackendAvailableException extends RuntimeException {
        public NoBackendAvailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A backend at run time: its client, breaker and calls in flight. */
    public static final class Backend {
        private final Spec spec;
        private final LlmClient client;
        private final CircuitBreaker breaker;
        private final AtomicInteger inFlight = new AtomicInteger();

        Backend(Spec spec, LlmClient client, CircuitBreaker breaker) {
            this.spec = spec;
            this.client = client;
            this.breaker = breaker;
        }

        public Spec spec() {
            return spec;
        }

        public CircuitBreaker breaker() {
            return breaker;
        }

        public int inFlight() {
            return inFlight.get();
        }

        int free() {
            return spec.slots() - inFlight.get();
        }

        /** Slots this backend contributes to the cap now: all when closed, one probe when half-open, none when open. */
        int healthySlots() {
            return switch (breaker.getState()) {
                case CLOSED, DISABLED, METRICS_ONLY -> spec.slots();
                case HALF_OPEN -> 1;
                default -> 0;
            };
        }
    }

    private final String provider;
    private final List<Backend> backends;
    private final MeterRegistry meters;
    private final LlmSlots slotMemory;

    LlmBackends(String provider, List<Backend> backends, MeterRegistry meters, LlmSlots slotMemory) {
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("no LLM backend configured");
        }
        this.provider = provider;
        this.backends = List.copyOf(backends);
        this.meters = meters;
        this.slotMemory = slotMemory != null ? slotMemory
                : LlmSlots.of(backends.stream().map(Backend::spec).toList(), true);
    }

    LlmBackends(String provider, List<Backend> backends, MeterRegistry meters) {
        this(provider, backends, meters, null);
    }

    /**
     * @param provider the provider's name ({@code ollama}, {@code openai}), the prefix of the breaker names
     * @param clients  builds the client of one base URL (same model, settings and timeout for all)
     */
    public static LlmBackends create(String provider, List<Spec> specs, Function<String, LlmClient> clients,
                                     BreakerSettings settings, MeterRegistry meters) {
        return create(provider, specs, clients, settings, meters, null);
    }

    /** @param slotMemory what each backend's slots served last (null: a memory of its own, affinity on) */
    public static LlmBackends create(String provider, List<Spec> specs, Function<String, LlmClient> clients,
                                     BreakerSettings settings, MeterRegistry meters, LlmSlots slotMemory) {
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .failureRateThreshold(settings.failureRatePercent())
                .minimumNumberOfCalls(settings.minimumCalls())
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(settings.window())
                .waitDurationInOpenState(settings.open())
                .permittedNumberOfCallsInHalfOpenState(1)
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .recordExceptions(Throwable.class)
                .build();
        List<Backend> backends = new ArrayList<>();
        for (Spec spec : specs) {
            CircuitBreaker breaker = CircuitBreaker.of(provider + "-" + spec.name(), config);
            breaker.getEventPublisher().onStateTransition(e ->
                    LOG.warn("LLM backend {}: breaker {}", spec.name(), e.getStateTransition()));
            Backend b = new Backend(spec, clients.apply(spec.baseUrl()), breaker);
            backends.add(b);
            if (meters != null) {
                Gauge.builder("atende_llm_backend_slots", b, x -> x.spec().slots())
                        .description("Slots (calls at once) of this LLM backend").tag("backend", spec.name())
                        .register(meters);
                Gauge.builder("atende_llm_backend_in_flight", b, Backend::inFlight)
                        .description("LLM calls in flight on this LLM backend").tag("backend", spec.name())
                        .register(meters);
                Gauge.builder("atende_llm_backend_breaker_state", b, x -> stateCode(x.breaker().getState()))
                        .description("Breaker of this LLM backend: 0 closed, 1 half-open, 2 open")
                        .tag("backend", spec.name()).register(meters);
            }
        }
        return new LlmBackends(provider, backends, meters, slotMemory);
    }

    /**
     * {@code http://a:11434#2,http://b:11434#1}; a backend without {@code #n} has one slot.
     *
     * @param setting the setting's name, for the error messages
     */
    public static List<Spec> parse(String setting, String value) {
        List<Spec> specs = new ArrayList<>();
        if (value == null) {
            return specs;
        }
        for (String item : value.split(",")) {
            String s = item.strip();
            if (s.isEmpty()) {
                continue;
            }
            int hash = s.lastIndexOf('#');
            String url = hash < 0 ? s : s.substring(0, hash).strip();
            int slots = 1;
            if (hash >= 0) {
                try {
                    slots = Integer.parseInt(s.substring(hash + 1).strip());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(setting + ": slots after '#' must be a whole number in '" + s + "'");
                }
            }
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(setting + ": not a URL: '" + url + "'");
            }
            if (uri.getScheme() == null || uri.getHost() == null
                    || !List.of("http", "https").contains(uri.getScheme().toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException(setting + ": not an http(s) URL: '" + url + "'");
            }
            Spec spec = new Spec(url, slots);
            if (specs.stream().anyMatch(x -> x.name().equals(spec.name()))) {
                throw new IllegalArgumentException(setting + ": backend listed twice: " + spec.name());
            }
            specs.add(spec);
        }
        return specs;
    }

    public List<Backend> backends() {
        return backends;
    }

    /** Slots of all backends together: the most calls this client ever takes at once. */
    public int slots() {
        return backends.stream().mapToInt(b -> b.spec().slots()).sum();
    }

    /** The LLM cap now: slots of the backends whose breaker lets calls through, at least one (so failures surface). */
    public int healthySlots() {
        return Math.max(1, backends.stream().mapToInt(Backend::healthySlots).sum());
    }

    /** The order in which backends are tried for the next call: most free slots first, then the bigger backend. */
    List<Backend> order() {
        List<Backend> sorted = new ArrayList<>(backends);
        sorted.sort(Comparator.comparingInt(Backend::free).reversed()
                .thenComparing(Comparator.comparingInt((Backend b) -> b.spec().slots()).reversed()));
        return sorted;
    }

    /** What each backend's slots served last. */
    public LlmSlots slotMemory() {
        return slotMemory;
    }

    /**
     * The order for this prompt: the backend holding its conversation's (else its number's) prefix first when it has a
     * free slot and its breaker is not open, then {@link #order()}.
     */
    List<Backend> order(LlmPrompt.CacheKey key) {
        List<Backend> sorted = order();
        String preferred = slotMemory.preferredBackend(key);
        if (preferred == null) {
            return sorted;
        }
        for (int i = 0; i < sorted.size(); i++) {
            Backend b = sorted.get(i);
            if (b.spec().name().equals(preferred)) {
                if (i > 0 && b.free() > 0 && b.healthySlots() > 0) {
                    sorted.remove(i);
                    sorted.add(0, b);
                }
                break;
            }
        }
        return sorted;
    }

    @Override
    public LlmAnswer chat(LlmPrompt prompt) {
        RuntimeException last = null;
        for (Backend b : order(prompt.cacheKey())) {
            if (!b.breaker.tryAcquirePermission()) {
                continue;
            }
            long start = b.breaker.getCurrentTimestamp();
            b.inFlight.incrementAndGet();
            try (LlmSlots.Hold ignored = slotMemory.take(b.spec().name(), prompt.cacheKey())) {
                LlmAnswer answer = b.client.chat(prompt);
                b.breaker.onSuccess(b.breaker.getCurrentTimestamp() - start, b.breaker.getTimestampUnit());
                count(b, "ok");
                return answer;
            } catch (RuntimeException e) {
                b.breaker.onError(b.breaker.getCurrentTimestamp() - start, b.breaker.getTimestampUnit(), e);
                count(b, "failed");
                LOG.warn("LLM backend {} failed ({}), trying the next one", b.spec().name(), e.toString());
                last = e;
            } finally {
                b.inFlight.decrementAndGet();
            }
        }
        throw new NoBackendAvailableException(last == null
                ? "no " + provider + " backend available: every breaker is open"
                : "every " + provider + " backend failed, the last with: " + last.getMessage(), last);
    }

    private void count(Backend b, String outcome) {
        if (meters != null) {
            Counter.builder("atende_llm_backend_calls_total").description("LLM calls per backend and outcome")
                    .tag("backend", b.spec().name()).tag("outcome", outcome).register(meters).increment();
        }
    }

    static int stateCode(CircuitBreaker.State state) {
        return switch (state) {
            case CLOSED, DISABLED, METRICS_ONLY -> 0;
            case HALF_OPEN -> 1;
            default -> 2;
        };
    }
}

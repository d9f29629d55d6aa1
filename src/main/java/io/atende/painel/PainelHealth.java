package io.atende.painel;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.atende.admin.DeadLetter;
import io.atende.admin.DeadLetterJson;
import io.atende.admin.DeadLetterStore;
import io.atende.llm.LlmCapacity;
import io.atende.store.Sql;
import io.atende.store.Transactions;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The Saúde page: LLM slots in use (cluster-wide, as the claim counts them), the backlog per number, the open dead
 * letters, and whether Evolution and the LLM server answer at all (any HTTP status counts as reachable). An operator
 * sees its own number's backlog and letters only. The reachability probes are cached for {@code probeEvery}, so a
 * page polling every few seconds does not become load on those servers.
 */
public final class PainelHealth {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One server to probe: its name on the page and its base URL. */
    public record Target(String name, String url) {
    }

    private record Probe(boolean reachable, Integer status, Instant at) {
    }

    private final Transactions tx;
    private final LlmCapacity capacity;
    private final DeadLetterStore deadLetters;
    private final DeadLetterJson deadLetterJson;
    private final List<Target> targets;
    private final Duration timeout;
    private final Duration probeEvery;
    private final Clock clock;
    private final HttpClient http;
    private final Map<Target, Probe> probes = new LinkedHashMap<>();

    public PainelHealth(Transactions tx, LlmCapacity capacity, DeadLetterStore deadLetters,
                        DeadLetterJson deadLetterJson, List<Target> targets, Duration timeout, Duration probeEvery,
                        Clock clock) {
        this.tx = tx;
        this.capacity = capacity;
        this.deadLetters = deadLetters;
        this.deadLetterJson = deadLetterJson;
        this.targets = List.copyOf(targets);
        this.timeout = timeout;
        this.probeEvery = probeEvery;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** {@code {"llm":{"slots":n,"inUse":n},"backlog":[…],"deadLetters":[…],"services":[…]}} */
    public String report(PainelSession session) {
        ObjectNode body = JSON.createObjectNode();
        String only = session.admin() ? null : session.instance();
        record Backlog(String instance, long waiting, long oldest) {
        }
        record Figures(long inUse, List<Backlog> backlog) {
        }
        Figures figures = tx.inTransaction(c -> new Figures(
                Sql.oneLong(c, "select count(*) from conversations where state = 'answering'"),
                Sql.query(c, """
                        select i.name, count(c.id),
                               coalesce(extract(epoch from now() - min(c.waiting_since)), 0)::bigint
                          from instances i
                          left join conversations c
                            on c.instance_id = i.id and c.state = 'idle' and c.waiting_since is not null
                         where ?::text is null or i.name = ?
                         group by i.name order by i.name""",
                        rs -> new Backlog(rs.getString(1), rs.getLong(2), rs.getLong(3)), only, only)));
        ObjectNode llm = body.putObject("llm");
        llm.put("slots", capacity.slots());
        llm.put("inUse", figures.inUse());
        ArrayNode backlog = body.putArray("backlog");
        for (Backlog b : figures.backlog()) {
            ObjectNode n = backlog.addObject();
            n.put("instance", b.instance());
            n.put("waiting", b.waiting());
            n.put("oldestWaitSeconds", b.oldest());
        }
        List<DeadLetter> letters = deadLetters.list(String.valueOf(DeadLetterStore.DEFAULT_LIMIT), null).stream()
                .filter(l -> only == null || only.equals(l.instance())).toList();
        body.set("deadLetters", parse(deadLetterJson.list(letters)));
        ArrayNode services = body.putArray("services");
        for (Map.Entry<Target, Probe> e : probes().entrySet()) {
            ObjectNode n = services.addObject();
            n.put("name", e.getKey().name());
            n.put("reachable", e.getValue().reachable());
            if (e.getValue().status() == null) {
                n.putNull("status");
            } else {
                n.put("status", e.getValue().status());
            }
            n.put("checkedAt", e.getValue().at().toString());
        }
        return body.toString();
    }

    /**
     * The letter the path names, if the session may replay it: an operator only its own number's.
     *
     * @throws PainelException 404 another number's letter, for an operator
     */
    public String letter(PainelSession session, String id) {
        if (!session.admin()) {
            DeadLetter letter = deadLetters.letter(id); // 404 when unknown
            if (!session.instance().equals(letter.instance())) {
                throw PainelException.notFound();
            }
        }
        return id;
    }

    private synchronized Map<Target, Probe> probes() {
        Instant now = clock.instant();
        Map<Target, CompletableFuture<Probe>> running = new LinkedHashMap<>();
        for (Target t : targets) {
            Probe last = probes.get(t);
            if (last == null || !last.at().plus(probeEvery).isAfter(now)) {
                running.put(t, probe(t, now));
            }
        }
        running.forEach((t, f) -> probes.put(t, f.join()));
        return new LinkedHashMap<>(probes);
    }

    private CompletableFuture<Probe> probe(Target target, Instant now) {
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create(target.url())).timeout(timeout).GET().build();
        } catch (IllegalArgumentException bad) {
            return CompletableFuture.completedFuture(new Probe(false, null, now));
        }
        return http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .thenApply(r -> new Probe(true, r.statusCode(), now))
                .exceptionally(e -> new Probe(false, null, now));
    }

    /** The services to probe: Evolution's base URL, and each LLM server's. */
    public static List<Target> targets(String evolutionBaseUrl, String llmProvider, List<String> llmUrls) {
        List<Target> targets = new ArrayList<>();
        if (evolutionBaseUrl != null && !evolutionBaseUrl.isBlank()) {
            targets.add(new Target("Evolution", evolutionBaseUrl.strip()));
        }
        String name = "ollama".equalsIgnoreCase(llmProvider) ? "Ollama" : "LLM";
        for (int i = 0; i < llmUrls.size(); i++) {
            targets.add(new Target(llmUrls.size() == 1 ? name : name + " " + (i + 1), llmUrls.get(i)));
        }
        return targets;
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

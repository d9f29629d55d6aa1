package io.atende.admin;

import io.atende.support.HttpProblem;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The problem+json answer for requests under {@code /admin} that no REST verb takes: 404 for an unknown path, 405 for
 * a path a verb serves, asked with another method. No Camel route sees these requests, so {@code http-errors} cannot
 * answer them, and Vert.x would answer an HTML 404 or an empty 405.
 * <p>
 * Once the context has started, a last-resort Vert.x route on {@code /admin/*} (after every route, so the REST verbs,
 * even those added later by a route reload, come first) answers them. The HTTP server's own 404 and 405 handlers are
 * out of reach (Camel's server keeps its root router private), so the 405 is decided here from the router's routes:
 * another route's path matches, and {@code Allow} lists that route's methods; when one takes the method, its
 * {@code consumes} or {@code produces} did not match: 415, or 406 for an Accept without JSON. Once the gateway is
 * stopping, the answer is the shutdown's 503 instead (the verbs' routes stop before the HTTP server does). The body
 * says nothing about the API, and no request header is copied back.
 */
public final class AdminFallback extends EventNotifierSupport {

    static final HttpProblem NOT_FOUND = HttpProblem.of(404, "not_found", null);
    static final HttpProblem METHOD_NOT_ALLOWED = HttpProblem.of(405, "method_not_allowed", null);
    static final HttpProblem SHUTTING_DOWN = HttpProblem.shuttingDown();
    static final HttpProblem UNSUPPORTED_MEDIA_TYPE = HttpProblem.of(415, "unsupported_media_type",
            "send the body as application/json");
    static final HttpProblem NOT_ACCEPTABLE = HttpProblem.of(406, "not_acceptable", "the answer is application/json");

    private static final Pattern PATH_PARAMETER = Pattern.compile(":[^/]+");

    /** Set from the first stopping event: the verbs' routes go before the HTTP server does. */
    private volatile boolean stopping;

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelEvent.CamelContextStartedEvent
                || event instanceof CamelEvent.CamelContextStoppingEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        if (event instanceof CamelEvent.CamelContextStartedEvent started) {
            install(started.getContext());
        } else {
            stopping = true;
        }
    }

    private void install(CamelContext camel) {
        for (Router router : camel.getRegistry().findByType(VertxPlatformHttpRouter.class)) {
            Route[] fallback = new Route[1];
            fallback[0] = router.route("/admin*").last().handler(ctx -> {
                String path = ctx.normalizedPath();
                if (!path.equals("/admin") && !path.startsWith("/admin/")) {
                    ctx.next(); // e.g. /administrator: not ours
                    return;
                }
                if (stopping) {
                    // the verb's route may be gone already: not a 404, the caller retries against the restarted gateway
                    ctx.response().putHeader("Retry-After", String.valueOf(SHUTTING_DOWN.retryAfterSeconds()));
                    answer(ctx, SHUTTING_DOWN);
                    return;
                }
                List<String> allowed = router.getRoutes().stream()
                        .filter(r -> r != fallback[0] && r.getPath() != null
                                && r.methods() != null && matches(r.getPath(), path))
                        .flatMap(r -> r.methods().stream()).map(HttpMethod::name).distinct().sorted().toList();
                if (allowed.isEmpty()) {
                    answer(ctx, NOT_FOUND);
                } else if (!allowed.contains(ctx.request().method().name())) {
                    ctx.response().putHeader("Allow", String.join(", ", allowed));
                    answer(ctx, METHOD_NOT_ALLOWED);
                } else {
                    // The verb's route is there for this method: its consumes or produces did not match.
                    boolean json = acceptsJson(ctx.request().getHeader("Accept"));
                    answer(ctx, json ? UNSUPPORTED_MEDIA_TYPE : NOT_ACCEPTABLE);
                }
            });
        }
    }

    /** Whether a Vert.x route path ({@code /admin/dead-letters/:id}, or a prefix ending in *) takes the path. */
    static boolean matches(String routePath, String path) {
        if (routePath.endsWith("*")) {
            return path.startsWith(routePath.substring(0, routePath.length() - 1));
        }
        String[] template = routePath.split("/", -1);
        String[] actual = path.split("/", -1);
        if (template.length != actual.length) {
            return false;
        }
        for (int i = 0; i < template.length; i++) {
            boolean parameter = PATH_PARAMETER.matcher(template[i]).matches() && !actual[i].isEmpty();
            if (!parameter && !template[i].equals(actual[i])) {
                return false;
            }
        }
        return true;
    }

    /** Whether an Accept header (absent: anything) takes the admin API's JSON. */
    static boolean acceptsJson(String accept) {
        if (accept == null || accept.isBlank()) {
            return true;
        }
        String a = accept.toLowerCase(java.util.Locale.ROOT);
        return a.contains("json") || a.contains("*/*") || a.contains("application/*");
    }

    private static void answer(RoutingContext ctx, HttpProblem problem) {
        ctx.response().setStatusCode(problem.status()).putHeader("Content-Type", "application/problem+json")
                .end(problem.json());
    }
}

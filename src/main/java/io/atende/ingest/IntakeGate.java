package io.atende.ingest;

import io.atende.support.HttpFailure;
import io.atende.support.HttpProblem;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Closes webhook intake as soon as the gateway starts shutting down: from then on webhooks get 503, so that
 * Evolution API retries them against the restarted gateway, instead of a 404 (which Evolution never retries)
 * from a route that is already gone.
 * <p>
 * The HTTP server outlives the routes: between the moment the webhook routes stop and the moment the server
 * closes its port, Vert.x would answer 404 itself. So once the context has started, a last-resort Vert.x handler
 * on {@code /webhooks/*} answers the same 503 whenever no webhook route took the request and intake is closed.
 */
public final class IntakeGate extends EventNotifierSupport {

    private static final Logger LOG = LoggerFactory.getLogger(IntakeGate.class);

    private volatile boolean open = true;
    /** The HTTP routers, and the fallback route this gate added to each. */
    private final List<io.vertx.ext.web.Router> routers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<io.vertx.ext.web.Route> fallbacks = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** @throws IntakeClosedException while shutting down */
    public void check() {
        if (!open) {
            throw new IntakeClosedException();
        }
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelEvent.CamelContextStoppingEvent || event instanceof CamelEvent.CamelContextStartedEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        if (event instanceof CamelEvent.CamelContextStartedEvent started) {
            installFallback(started.getContext());
            return;
        }
        open = false;
        // From now on no new webhook reaches a Camel route (which a forced stop could fail with a 500): Vert.x
        // passes them to the fallback below. Webhooks already inside a route finish normally.
        int disabled = 0;
        for (io.vertx.ext.web.Router router : routers) {
            for (io.vertx.ext.web.Route route : router.getRoutes()) {
                String path = route.getPath();
                if (!fallbacks.contains(route) && path != null && path.startsWith("/webhooks")) {
                    route.disable();
                    disabled++;
                }
            }
        }
        LOG.info("Shutting down: webhook intake closed ({} route(s) answer 503 until restarted), finishing in-flight work",
                disabled);
    }

    /**
     * 503 for webhooks no route serves any more (shutting down); otherwise Vert.x's usual 404 for unknown paths. POST
     * only: a route taking every method would turn Vert.x's 405 for a GET into a 404.
     */
    private void installFallback(CamelContext camel) {
        for (VertxPlatformHttpRouter router : camel.getRegistry().findByType(VertxPlatformHttpRouter.class)) {
            routers.add(router);
            fallbacks.add(router.route(io.vertx.core.http.HttpMethod.POST, "/webhooks/*").last().handler(ctx -> {
                if (open) {
                    ctx.next();
                    return;
                }
                ctx.response().setStatusCode(CLOSED.status())
                        .putHeader("Content-Type", "application/problem+json")
                        .putHeader("Retry-After", String.valueOf(CLOSED.retryAfterSeconds()))
                        .end(CLOSED.json());
            }));
        }
    }

    /** Every 503 while shutting down, from the routes or from this fallback. */
    static final HttpProblem CLOSED = HttpProblem.shuttingDown();

    /** The gateway is shutting down; the sender must retry later (HTTP 503). */
    public static final class IntakeClosedException extends RuntimeException implements HttpFailure {
        public IntakeClosedException() {
            super("shutting down", null, false, false);
        }

        @Override
        public HttpProblem problem() {
            return CLOSED;
        }
    }
}

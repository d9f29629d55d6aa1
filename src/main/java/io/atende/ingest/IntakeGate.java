package io.atende.ingest;

import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes webhook intake as soon as the gateway starts shutting down: from then on webhooks get 503, so that
 * Evolution API retries them against the restarted gateway, instead of a 404 (which Evolution never retries)
 * from a route that is already gone.
 */
public final class IntakeGate extends EventNotifierSupport {

    private static final Logger LOG = LoggerFactory.getLogger(IntakeGate.class);

    private volatile boolean open = true;

    /** @throws IntakeClosedException while shutting down */
    public void check() {
        if (!open) {
            throw new IntakeClosedException();
        }
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelEvent.CamelContextStoppingEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        open = false;
        LOG.info("Shutting down: webhook intake closed (503 until restarted), finishing in-flight work");
    }

    /** The gateway is shutting down; the sender must retry later (HTTP 503). */
    public static final class IntakeClosedException extends RuntimeException {
        public IntakeClosedException() {
            super("shutting down", null, false, false);
        }
    }
}

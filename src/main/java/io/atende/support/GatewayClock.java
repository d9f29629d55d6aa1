package io.atende.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The time every decision about pauses and business hours is taken with, in the gateway and (passed in) in
 * PostgreSQL. It is the system clock, moved by an offset that is zero unless a test shifts it: end-to-end tests cross
 * a closed period or a one-hour pause without sleeping.
 */
public final class GatewayClock extends Clock {

    private volatile Duration offset = Duration.ZERO;

    @Override
    public Instant instant() {
        return Instant.now().plus(offset);
    }

    /** Moves this clock (and the gateway's notion of now) by the given amount. */
    public void advance(Duration by) {
        offset = offset.plus(by);
    }

    /** Moves this clock so that it reads {@code at} now, and runs on from there. */
    public void setTo(Instant at) {
        offset = Duration.between(Instant.now(), at);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("the gateway's clock is UTC; convert instants instead");
    }
}

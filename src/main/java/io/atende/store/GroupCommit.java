package io.atende.store;

import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Group commit: units of work submitted by concurrent callers share one PostgreSQL transaction, and each caller
 * returns only once that transaction has committed. One commit (one WAL flush) then covers many webhooks instead
 * of one each: the commits are what bounds the ingest rate on a small machine.
 * <p>
 * A single committer thread takes whatever is queued (up to {@code maxBatch}) and runs it: a lone caller is
 * committed at once, so batching adds no waiting at low load; under load, callers that arrive while a commit is in
 * progress form the next batch. Only one batch runs at a time, so batches cannot deadlock one another.
 * <p>
 * One failing unit must not fail the others: when a batch fails on a statement, it is rolled back and each of its
 * units is run again in a transaction of its own. When PostgreSQL itself is unreachable, every unit of the batch
 * fails with {@link StoreUnavailableException} at once (the webhook answers 503 and Evolution retries).
 * <p>
 * A Camel service: started by its owner, stopped with the context (after the routes), when units still queued
 * fail with {@link StoreUnavailableException}: nothing uncommitted is ever acknowledged.
 */
public final class GroupCommit<I, O> extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);

    /**
     * The work of a batch, in one transaction: one result per item, in the items' order. It is also called with a
     * single item when a failed batch is retried one by one.
     */
    @FunctionalInterface
    public interface Work<I, O> {
        List<O> run(Connection c, List<I> items) throws SQLException;
    }

    /** Work done item by item (each item's unit still shares the batch's transaction). */
    @FunctionalInterface
    public interface Unit<I, O> {
        O run(Connection c, I item) throws SQLException;
    }

    public static <I, O> Work<I, O> eachItem(Unit<I, O> unit) {
        return (c, items) -> {
            List<O> out = new ArrayList<>(items.size());
            for (I item : items) {
                out.add(unit.run(c, item));
            }
            return out;
        };
    }

    private record Pending<I, O>(I item, CompletableFuture<O> result) {
    }

    private final Transactions tx;
    private final Work<I, O> work;
    private final int maxBatch;
    private final LinkedBlockingQueue<Pending<I, O>> queue = new LinkedBlockingQueue<>();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong units = new AtomicLong();
    private final String name;
    private volatile Thread committer;

    /**
     * @param name     the committer thread's name
     * @param maxBatch most units in one transaction; 1 gives every unit its own transaction
     */
    public GroupCommit(String name, Transactions tx, int maxBatch, Work<I, O> work) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("a batch holds at least one unit");
        }
        this.tx = tx;
        this.work = work;
        this.maxBatch = maxBatch;
        this.name = name;
    }

    @Override
    protected void doStart() {
        Thread t = new Thread(this::commitLoop, name);
        t.setDaemon(true);
        committer = t;
        t.start();
    }

    @Override
    protected void doStop() throws InterruptedException {
        Thread t = committer;
        if (t != null) {
            t.interrupt();
            t.join(TimeUnit.SECONDS.toMillis(10));
        }
        StoreUnavailableException stopped =
                new StoreUnavailableException(new SQLException("the gateway is stopping", "08006"));
        for (Pending<I, O> p; (p = queue.poll()) != null; ) {
            p.result().completeExceptionally(stopped);
        }
    }

    /**
     * Runs the unit in a shared transaction and waits for its commit.
     *
     * @throws StoreUnavailableException when PostgreSQL cannot be reached or the unit's own transaction fails
     */
    public O submit(I item) {
        if (!isStarted()) {
            throw new StoreUnavailableException(new SQLException("group commit is not running", "08006"));
        }
        CompletableFuture<O> result = new CompletableFuture<>();
        queue.add(new Pending<>(item, result));
        if (!isStarted() && queue.removeIf(p -> p.result() == result)) {
            throw new StoreUnavailableException(new SQLException("the gateway is stopping", "08006"));
        }
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            // The unit may still commit: the caller does not acknowledge it, so the sender retries and the
            // retry is deduplicated.
            throw new StoreUnavailableException(new SQLException("interrupted while waiting for the commit", e));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new StoreUnavailableException(new SQLException(e.getCause()));
        }
    }

    /** Transactions committed so far (for tests and the benchmark's report). */
    public long batches() {
        return batches.get();
    }

    /** Units waiting for the committer right now. */
    int queued() {
        return queue.size();
    }

    /** Units committed so far. */
    public long units() {
        return units.get();
    }

    private void commitLoop() {
        List<Pending<I, O>> batch = new ArrayList<>(maxBatch);
        while (true) {
            try {
                batch.add(queue.take());
                queue.drainTo(batch, maxBatch - 1);
                runBatch(batch);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException | Error e) {
                // Never leave a caller waiting: whatever went wrong, each unit not yet answered gets the error.
                LOG.error("Group commit failed unexpectedly", e);
                batch.forEach(p -> p.result().completeExceptionally(e));
            } finally {
                batch.clear();
            }
        }
    }

    private void runBatch(List<Pending<I, O>> batch) {
        if (batch.size() == 1) {
            runAlone(batch.get(0));
            return;
        }
        List<I> items = new ArrayList<>(batch.size());
        batch.forEach(p -> items.add(p.item()));
        List<O> results;
        try {
            results = tx.inTransaction(c -> {
                List<O> r = work.run(c, items);
                if (r.size() != items.size()) { // checked before the commit: a mismatch rolls back
                    throw new IllegalStateException(r.size() + " results for " + items.size() + " items");
                }
                return r;
            });
        } catch (RuntimeException e) {
            if (e instanceof StoreUnavailableException && isConnectionFailure(e.getCause())) {
                batch.forEach(p -> p.result().completeExceptionally(e));
                return;
            }
            // A statement failed (a bad unit, a deadlock...): the batch was rolled back; each unit alone now.
            LOG.debug("A batch of {} failed ({}); committing its units one by one", batch.size(), e.toString());
            batch.forEach(this::runAlone);
            return;
        }
        batches.incrementAndGet();
        units.addAndGet(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).result().complete(results.get(i));
        }
    }

    private void runAlone(Pending<I, O> p) {
        try {
            O result = tx.inTransaction(c -> work.run(c, List.of(p.item())).get(0));
            batches.incrementAndGet();
            units.incrementAndGet();
            p.result().complete(result);
        } catch (RuntimeException e) {
            p.result().completeExceptionally(e);
        }
    }

    /** SQLSTATE class 08 (connection exception), or no connection from the pool at all. */
    static boolean isConnectionFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof java.sql.SQLTransientConnectionException) {
                return true;
            }
            if (c instanceof SQLException s && s.getSQLState() != null && s.getSQLState().startsWith("08")) {
                return true;
            }
        }
        return false;
    }
}

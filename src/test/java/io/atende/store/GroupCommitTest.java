package io.atende.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.atende.support.FreePort;
import io.atende.support.MigratedDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Group commit against a real PostgreSQL. The first unit is held inside its transaction until the others are
 * queued, so which units share a transaction is decided by the test, not by thread timing.
 */
class GroupCommitTest {

    @RegisterExtension
    final MigratedDatabase db = new MigratedDatabase();
    ExecutorService callers = Executors.newFixedThreadPool(24);
    final CountDownLatch firstRunning = new CountDownLatch(1);
    final CountDownLatch releaseFirst = new CountDownLatch(1);
    GroupCommit<Integer, Long> commits;

    @BeforeEach
    void open() {
        db.tx().inTransaction(c -> Sql.update(c, "create table t (v int primary key check (v >= 0), xid bigint)"));
    }

    @AfterEach
    void close() throws Exception {
        callers.shutdownNow();
        if (commits != null) {
            commits.stop();
        }
    }

    /** Inserts v with its transaction id; unit 0 waits for the test's signal inside its transaction. */
    GroupCommit<Integer, Long> start(int maxBatch) {
        commits = new GroupCommit<>("test-commit", db.tx(), maxBatch, GroupCommit.eachItem((c, v) -> {
            if (v == 0) {
                firstRunning.countDown();
                await(releaseFirst);
            }
            return Sql.oneLong(c, "insert into t (v, xid) values (?, txid_current()) returning xid", v);
        }));
        commits.start();
        return commits;
    }

    /**
     * Submits unit 0, which holds its transaction open, then units 1..others (unit {@code bad}, if any, as -1, which
     * violates the check constraint); releases unit 0 once all the others are queued behind it.
     */
    List<Future<Long>> submitWhileTheFirstCommits(int others, int bad) throws Exception {
        List<Future<Long>> results = new ArrayList<>();
        results.add(callers.submit(() -> commits.submit(0)));
        assertThat(firstRunning.await(10, TimeUnit.SECONDS)).isTrue();
        for (int v = 1; v <= others; v++) {
            int item = v == bad ? -1 : v;
            results.add(callers.submit(() -> commits.submit(item)));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (commits.queued() < others && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(commits.queued()).isEqualTo(others);
        releaseFirst.countDown();
        return results;
    }

    static void allCommitted(List<Future<Long>> results) throws Exception {
        for (Future<Long> r : results) {
            r.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void unitsQueuedDuringACommitShareTheNextTransactionAndABadOneFailsAlone() throws Exception {
        start(64);
        List<Future<Long>> results = submitWhileTheFirstCommits(20, 10);

        List<Long> xids = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            Future<Long> r = results.get(i);
            if (i == 10) {
                assertThatThrownBy(r::get).hasCauseInstanceOf(StoreUnavailableException.class)
                        .hasMessageContaining("t_v_check");
            } else {
                xids.add(r.get(10, TimeUnit.SECONDS));
            }
        }
        // 20 committed: the first alone; the 19 good ones queued behind it retried one by one after the bad one
        // failed their shared transaction (so nothing of the bad one, everything of the others).
        assertThat(count("select count(*) from t")).isEqualTo(20);
        assertThat(count("select count(*) from t where v < 0")).isZero();
        assertThat(xids).hasSize(20);
    }

    @Test
    void withoutAFailureTheQueuedUnitsCommitInOneTransaction() throws Exception {
        start(64);
        allCommitted(submitWhileTheFirstCommits(20, -1));
        assertThat(count("select count(*) from t")).isEqualTo(21);
        assertThat(count("select count(distinct xid) from t")).isEqualTo(2);
        assertThat(commits.batches()).isEqualTo(2);
        assertThat(commits.units()).isEqualTo(21);
    }

    @Test
    void aBatchNeverExceedsItsMaximum() throws Exception {
        start(8);
        allCommitted(submitWhileTheFirstCommits(20, -1));
        assertThat(count("select count(*) from t")).isEqualTo(21);
        // 1 + 8 + 8 + 4
        assertThat(count("select max(n) from (select count(*) n from t group by xid) b")).isEqualTo(8);
        assertThat(count("select count(distinct xid) from t")).isEqualTo(4);
    }

    @Test
    void anUnreachableDatabaseFailsEveryUnitWithUnavailable() throws Exception {
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + FreePort.next() + "/nothing");
        cfg.setUsername("postgres");
        cfg.setConnectionTimeout(250);
        cfg.setInitializationFailTimeout(-1);
        try (HikariDataSource down = new HikariDataSource(cfg)) {
            GroupCommit<Integer, Long> unreachable = new GroupCommit<>("test-down", new Transactions(down), 64,
                    GroupCommit.eachItem((c, v) -> 1L));
            unreachable.start();
            try {
                List<Future<Long>> results = new ArrayList<>();
                for (int v = 0; v < 10; v++) {
                    int item = v;
                    results.add(callers.submit(() -> unreachable.submit(item)));
                }
                for (Future<Long> r : results) {
                    assertThatThrownBy(() -> r.get(10, TimeUnit.SECONDS))
                            .hasCauseInstanceOf(StoreUnavailableException.class);
                }
                assertThat(unreachable.units()).isZero();
            } finally {
                unreachable.stop();
            }
        }
    }

    @Test
    void afterStopASubmitIsAnsweredUnavailable() throws Exception {
        start(64);
        assertThat(commits.submit(1)).isPositive();
        commits.stop();
        assertThatThrownBy(() -> commits.submit(2)).isInstanceOf(StoreUnavailableException.class);
        assertThat(count("select count(*) from t")).isEqualTo(1);
    }

    @Test
    void connectionFailuresAreToldApartFromBadStatements() {
        assertThat(GroupCommit.isConnectionFailure(new SQLException("refused", "08001"))).isTrue();
        assertThat(GroupCommit.isConnectionFailure(
                new StoreUnavailableException(new java.sql.SQLTransientConnectionException("pool timeout")))).isTrue();
        assertThat(GroupCommit.isConnectionFailure(new SQLException("check violated", "23514"))).isFalse();
        assertThat(GroupCommit.isConnectionFailure(new SQLException("deadlock", "40P01"))).isFalse();
    }

    long count(String sql) {
        return db.tx().inTransaction(c -> Sql.oneLong(c, sql));
    }

    static void await(CountDownLatch latch) {
        try {
            if (!latch.await(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test latch never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

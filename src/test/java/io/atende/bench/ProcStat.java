package io.atende.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Small readers for Linux /proc. */
final class ProcStat {

    private ProcStat() {
    }

    /** The postmaster of the PostgreSQL whose data directory is {@code dataDir} (pg_ctl detaches it), or -1. */
    static long postmaster(Iterable<Long> pids, String dataDir) {
        for (long p : pids) {
            try {
                String cmd = new String(Files.readAllBytes(Path.of("/proc", String.valueOf(p), "cmdline")))
                        .replace('\0', ' ');
                if (cmd.contains(dataDir) && cmd.contains("postgres") && !cmd.contains("pg_ctl") && !cmd.contains("-jar")) {
                    return p;
                }
            } catch (IOException | RuntimeException gone) {
                // exited meanwhile
            }
        }
        return -1;
    }

    /** True when {@code ancestor} is among {@code p}'s parents (at most 10 up), from a pid -> parent map. */
    static boolean descends(long p, long ancestor, Map<Long, Long> parents) {
        Long cur = parents.get(p);
        for (int depth = 0; cur != null && depth < 10; depth++) {
            if (cur == ancestor) {
                return true;
            }
            cur = parents.get(cur);
        }
        return false;
    }

    /** {ppid, utime, stime, cutime, cstime} in clock ticks from /proc/<pid>/stat, or null. */
    static long[] stat(Path dir) {
        try {
            String s = Files.readString(dir.resolve("stat"));
            // the command name (field 2) may contain spaces: fields after the last ')' are safe to split
            String[] f = s.substring(s.lastIndexOf(')') + 2).trim().split(" ");
            // f[0] = state (field 3), so field n is f[n - 3]
            return new long[]{Long.parseLong(f[1]), Long.parseLong(f[11]), Long.parseLong(f[12]),
                    Long.parseLong(f[13]), Long.parseLong(f[14])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Nanoseconds the process's threads (alive now) spent waiting on a run queue for a CPU, from
     * /proc/<pid>/task/<tid>/schedstat (second field): how much the machine's other load delayed them.
     */
    static long runQueueWaitNs(Path dir) {
        long sum = 0;
        try (var tasks = Files.list(dir.resolve("task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String[] f = Files.readString(t.resolve("schedstat")).trim().split(" ");
                    sum += Long.parseLong(f[1]);
                } catch (IOException | RuntimeException gone) {
                    // thread ended meanwhile
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return sum;
    }

    /** A "Name:   123 kB" line of /proc/<pid>/status, in KiB; 0 when missing. */
    static long statusKb(Path dir, String key) {
        return kb(dir.resolve("status"), key);
    }

    /** Proportional set size (shared pages divided among their users): right for summing PostgreSQL processes. */
    static long pssKb(Path dir) {
        return kb(dir.resolve("smaps_rollup"), "Pss");
    }

    private static long kb(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key + ":")) {
                    return Long.parseLong(line.substring(key.length() + 1).replace("kB", "").trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }
}

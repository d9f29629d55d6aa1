package io.atende.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The machine the benchmark ran on, as stated in every report. */
final class Machine {

    private Machine() {
    }

    static Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu", line("/proc/cpuinfo", "model name"));
        m.put("cores", Runtime.getRuntime().availableProcessors());
        String mem = line("/proc/meminfo", "MemTotal");
        m.put("memory_mb", mem == null ? null : Long.parseLong(mem.replace("kB", "").trim()) / 1024);
        m.put("os", osRelease() + " (kernel " + System.getProperty("os.version") + ")");
        m.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("hypervisor", Files.exists(Path.of("/proc/cpuinfo")) && String.valueOf(read("/proc/cpuinfo")).contains(" hypervisor")
                ? "yes (virtual machine)" : "no or unknown");
        m.put("loadavg_at_start", loadavg());
        return m;
    }

    /** The commit the harness ran from, with "+changes" when the working tree differed from it. */
    static String gitCommit() {
        try {
            Process head = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            String commit = new String(head.getInputStream().readAllBytes()).trim();
            Process status = new ProcessBuilder("git", "status", "--porcelain", "--untracked-files=no")
                    .redirectErrorStream(true).start();
            String changes = new String(status.getInputStream().readAllBytes()).trim();
            return head.waitFor() == 0 ? commit + (changes.isEmpty() ? "" : "+changes") : "unknown";
        } catch (Exception e) {
            return "unknown";
        }
    }

    static String loadavg() {
        String s = read("/proc/loadavg");
        return s == null ? null : s.trim();
    }

    private static String osRelease() {
        String s = read("/etc/os-release");
        if (s != null) {
            for (String l : s.split("\n")) {
                if (l.startsWith("PRETTY_NAME=")) {
                    return l.substring(12).replace("\"", "");
                }
            }
        }
        return System.getProperty("os.name");
    }

    private static String line(String file, String key) {
        String s = read(file);
        if (s == null) {
            return null;
        }
        for (String l : s.split("\n")) {
            if (l.startsWith(key)) {
                return l.substring(l.indexOf(':') + 1).trim();
            }
        }
        return null;
    }

    private static String read(String file) {
        try {
            List<String> lines = Files.readAllLines(Path.of(file));
            return String.join("\n", lines);
        } catch (Exception e) {
            return null;
        }
    }

    /**
     * How fast this machine is right now: milliseconds for one thread to SHA-256 a fixed 32 MiB (best of three).
     * The host's speed varies between runs (shared cloud cores); this figure, taken just before a phase, shows by
     * how much, so that figures of different runs can be compared.
     */
    static double calibrationMillis() {
        byte[] block = new byte[1 << 20];
        for (int i = 0; i < block.length; i++) {
            block[i] = (byte) (i * 31);
        }
        double best = Double.MAX_VALUE;
        try {
            for (int round = 0; round < 3; round++) {
                java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
                long t0 = System.nanoTime();
                for (int k = 0; k < 32; k++) {
                    sha.update(block);
                }
                sha.digest();
                best = Math.min(best, (System.nanoTime() - t0) / 1e6);
            }
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return Math.round(best * 10) / 10.0;
    }
}

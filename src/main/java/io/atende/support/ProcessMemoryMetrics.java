package io.atende.support;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * The whole process's memory next to the JVM's heap figures: {@code process_resident_memory_bytes} (Linux RSS, from
 * /proc/self/status) and {@code atende_memory_limit_bytes}, the memory the process may use: the container's cgroup
 * limit (v2 or v1) when there is one, else the machine's physical memory. Their ratio drives the memory alert.
 */
public final class ProcessMemoryMetrics implements MeterBinder {

    private static final long UNLIMITED_V1 = Long.MAX_VALUE / 2; // cgroup v1 reports ~2^63 rounded to pages when unset

    private final Path procStatus;
    private final List<Path> cgroupLimits;

    public ProcessMemoryMetrics() {
        this(Path.of("/proc/self/status"),
                List.of(Path.of("/sys/fs/cgroup/memory.max"), Path.of("/sys/fs/cgroup/memory/memory.limit_in_bytes")));
    }

    ProcessMemoryMetrics(Path procStatus, List<Path> cgroupLimits) {
        this.procStatus = procStatus;
        this.cgroupLimits = cgroupLimits;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        if (Files.isReadable(procStatus)) {
            Gauge.builder("process.resident.memory", this, m -> m.residentBytes().orElse(-1))
                    .description("Resident set size of the Atende process")
                    .baseUnit("bytes").strongReference(true).register(registry);
        }
        Gauge.builder("atende.memory.limit", this, ProcessMemoryMetrics::limitBytes)
                .description("Memory the process may use: the container's cgroup limit, else physical memory")
                .baseUnit("bytes").strongReference(true).register(registry);
    }

    OptionalLong residentBytes() {
        try {
            for (String line : Files.readAllLines(procStatus)) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return OptionalLong.of(Long.parseLong(parts[0]) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }

    double limitBytes() {
        for (Path p : cgroupLimits) {
            try {
                if (Files.isReadable(p)) {
                    String v = Files.readString(p).trim();
                    if (!v.equals("max") && !v.isEmpty()) {
                        long limit = Long.parseLong(v);
                        if (limit > 0 && limit < UNLIMITED_V1) {
                            return limit;
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // try the next source
            }
        }
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory();
    }
}

package io.atende.support;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Resident memory from /proc/self/status and the limit from cgroup v2, cgroup v1, or the machine. */
class ProcessMemoryMetricsTest {

    @TempDir
    Path dir;

    Path status(String rss) throws Exception {
        return Files.writeString(dir.resolve("status"), "Name:\tjava\nVmPeak:\t 9999 kB\nVmRSS:\t  " + rss + " kB\nThreads:\t42\n");
    }

    @Test
    void residentMemoryIsReadInBytes() throws Exception {
        var m = new ProcessMemoryMetrics(status("204800"), List.of());
        assertThat(m.residentBytes()).hasValue(204800L * 1024);
    }

    @Test
    void cgroupV2LimitWins() throws Exception {
        Path v2 = Files.writeString(dir.resolve("memory.max"), "536870912\n");
        var m = new ProcessMemoryMetrics(status("1"), List.of(v2, dir.resolve("absent")));
        assertThat(m.limitBytes()).isEqualTo(536870912.0);
        var registry = new SimpleMeterRegistry();
        m.bindTo(registry);
        assertThat(registry.get("atende.memory.limit").gauge().value()).isEqualTo(536870912.0);
        assertThat(registry.get("process.resident.memory").gauge().value()).isEqualTo(1024.0);
    }

    @Test
    void unlimitedCgroupsFallBackToThePhysicalMemory() throws Exception {
        Path v2 = Files.writeString(dir.resolve("memory.max"), "max\n");
        Path v1 = Files.writeString(dir.resolve("memory.limit_in_bytes"), "9223372036854771712\n");
        var m = new ProcessMemoryMetrics(status("1"), List.of(v2, v1));
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        assertThat(m.limitBytes()).isEqualTo((double) os.getTotalMemorySize());
    }

    @Test
    void cgroupV1LimitIsUsedWhenSet() throws Exception {
        Path v1 = Files.writeString(dir.resolve("memory.limit_in_bytes"), "268435456\n");
        var m = new ProcessMemoryMetrics(status("1"), List.of(dir.resolve("absent"), v1));
        assertThat(m.limitBytes()).isEqualTo(268435456.0);
    }
}

package io.atende.ops;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker-compose.yml as Debian's docker-compose resolves it with .env.example as the .env (no Docker engine needed):
 * valid, every service checked and restarted, started in health order, limited in memory to fit an 8 GB VPS,
 * every variable documented in .env.example; the voice profile's whisper-server and its one-shot model download.
 */
class ComposeStackTest {

    static final long MIB = 1024 * 1024;
    /** What an 8 GiB VPS can give its containers: 8192 MiB less 512 MiB for the kernel, sshd and the Docker daemon. */
    static final long CONTAINER_BUDGET = (8192 - 512) * MIB;

    @TempDir
    static Path stack;

    @BeforeAll
    static void copyStack() throws IOException {
        Path repo = Tools.repo();
        Files.copy(repo.resolve("docker-compose.yml"), stack.resolve("docker-compose.yml"));
        Files.copy(repo.resolve(".env.example"), stack.resolve(".env"));
        try (Stream<Path> files = Files.walk(repo.resolve("infra"))) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = stack.resolve(repo.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    static Tools.Result compose(String... args) {
        return compose(Map.of(), args);
    }

    /** With these environment variables, which win over .env as with the real docker compose. */
    static Tools.Result compose(Map<String, String> env, String... args) {
        Path bin = Tools.require("docker-compose", "docker-compose");
        List<String> cmd = new java.util.ArrayList<>(List.of(bin.toString()));
        cmd.addAll(List.of(args));
        return Tools.run(stack, env, cmd);
    }

    static Map<String, Map<String, Object>> services(String... profileArgs) {
        return services(Map.of(), profileArgs);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> services(Map<String, String> env, String... profileArgs) {
        List<String> args = new java.util.ArrayList<>(List.of(profileArgs));
        args.add("config");
        Tools.Result res = compose(env, args.toArray(String[]::new));
        assertThat(res.exitCode()).as(res.output()).isZero();
        String yaml = res.output().substring(res.output().indexOf("services:"));
        Map<String, Object> doc = (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(yaml);
        return (Map<String, Map<String, Object>>) doc.get("services");
    }

    @Test
    void composeFileIsValid() {
        Tools.Result res = compose("config", "-q");
        assertThat(res.exitCode()).as(res.output()).isZero();
        Tools.Result monitoring = compose("--profile", "monitoring", "config", "-q");
        assertThat(monitoring.exitCode()).as(monitoring.output()).isZero();
        Tools.Result voice = compose("--profile", "voice", "config", "-q");
        assertThat(voice.exitCode()).as(voice.output()).isZero();
    }

    @Test
    void servicesAndTheMonitoringProfile() {
        Map<String, Map<String, Object>> all = services("--profile", "monitoring");
        assertThat(core(all).keySet()).containsExactlyInAnyOrder(
                "nginx", "postgres", "ollama", "ollama-pull", "atende", "evolution-api", "backup");
        assertThat(all.get("prometheus").get("profiles")).isEqualTo(List.of("monitoring"));
        assertThat(all.get("grafana").get("profiles")).isEqualTo(List.of("monitoring"));
        assertThat(all.get("evolution-api").get("image")).isEqualTo("evoapicloud/evolution-api:v2.3.7");
        assertThat(all.get("postgres").get("image")).isEqualTo("postgres:16");
    }

    /**
     * The services started with the given profiles: those without a profile, and those of these profiles. (Debian's
     * docker-compose 1.x lists the services of every profile in {@code config}, whichever profiles are active.)
     */
    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> started(Map<String, Map<String, Object>> all, String... profiles) {
        Map<String, Map<String, Object>> on = new java.util.TreeMap<>(all);
        on.values().removeIf(s -> s.containsKey("profiles")
                && ((List<Object>) s.get("profiles")).stream().noneMatch(List.of(profiles)::contains));
        return on;
    }

    /** The services `docker compose up -d` starts: those without a profile. */
    static Map<String, Map<String, Object>> core(Map<String, Map<String, Object>> all) {
        Map<String, Map<String, Object>> core = new java.util.TreeMap<>(all);
        core.values().removeIf(s -> s.containsKey("profiles"));
        return core;
    }

    /** Jobs that run once at the first start and exit: not restarted, no healthcheck. */
    static final Set<String> ONE_SHOT = Set.of("ollama-pull", "whisper-pull");

    @Test
    @SuppressWarnings("unchecked")
    void everyServiceIsCheckedRestartedAndStartsInHealthOrder() {
        Map<String, Map<String, Object>> all = started(services("--profile", "monitoring", "--profile", "cluster",
                "--profile", "voice"), "monitoring", "cluster", "voice");
        assertThat(all).containsKeys("prometheus", "grafana", "kafka", "atende-2", "atende-lb", "whisper",
                "whisper-pull");
        all.forEach((name, s) -> {
            assertThat(s).as(name).containsKey("mem_limit");
            if (ONE_SHOT.contains(name)) {
                assertThat(s.get("restart")).as(name).isEqualTo("no"); // one-shot job
                return;
            }
            assertThat(s.get("restart")).as(name).isEqualTo("unless-stopped");
            Map<String, Object> hc = (Map<String, Object>) s.get("healthcheck");
            assertThat(hc).as(name + " healthcheck").isNotNull().doesNotContainKey("disable");
            assertThat(hc.get("test")).as(name).isNotNull();
        });
        all.forEach((name, s) -> {
            Object deps = s.get("depends_on");
            if (deps instanceof Map<?, ?> m) {
                // a long-running service is waited for until healthy, a one-shot job until it has succeeded
                m.forEach((dep, cond) -> assertThat(((Map<String, Object>) cond).get("condition"))
                        .as(name + " -> " + dep).isEqualTo(ONE_SHOT.contains(dep)
                                ? "service_completed_successfully" : "service_healthy"));
            }
        });
        assertThat(((Map<String, Object>) all.get("atende").get("depends_on")).keySet()).contains("postgres", "ollama");
        assertThat(((Map<String, Object>) all.get("nginx").get("depends_on")).keySet()).contains("atende");
    }

    @Test
    void memoryLimitsAddUpToAnEightGigabyteVps() {
        Map<String, Map<String, Object>> all = started(services("--profile", "monitoring"), "monitoring");
        long core = core(all).values().stream().mapToLong(s -> bytes(s.get("mem_limit"))).sum();
        long withMonitoring = all.values().stream().mapToLong(s -> bytes(s.get("mem_limit"))).sum();
        assertThat(core).isLessThan(withMonitoring);
        assertThat(withMonitoring).as("sum of mem_limit with monitoring, MiB: %d", withMonitoring / MIB)
                .isLessThanOrEqualTo(CONTAINER_BUDGET);
        // The model needs most of it: Mistral 7B Q4 (about 4.1 GB) plus one num_ctx 4096 KV cache.
        assertThat(bytes(services().get("ollama").get("mem_limit"))).isGreaterThanOrEqualTo(4608 * MIB);
    }

    /**
     * docs/sizing.md, "With the voice profile": whisper (base) and its download job fit next to the core stack on
     * 8 GB; with monitoring too, only with Ollama limited to 4560 MiB (num_ctx 2048), which the test resolves the
     * way docker compose does when .env sets OLLAMA_MEM_LIMIT.
     */
    @Test
    void theVoiceProfileFitsAnEightGigabyteVpsAsDocsSizingSays() {
        Map<String, Map<String, Object>> voice = started(services("--profile", "voice"), "voice");
        assertThat(bytes(voice.get("whisper").get("mem_limit"))).as("whisper base: ~388 MB in memory plus ffmpeg")
                .isEqualTo(512 * MIB);
        assertThat(bytes(voice.get("whisper-pull").get("mem_limit"))).isEqualTo(128 * MIB);
        long coreAndVoice = sum(voice);
        assertThat(coreAndVoice).as("core + voice, MiB: %d", coreAndVoice / MIB)
                .isEqualTo(7616 * MIB).isLessThanOrEqualTo(CONTAINER_BUDGET);

        long everything = sum(started(services("--profile", "monitoring", "--profile", "voice"), "monitoring", "voice"));
        assertThat(everything).as("core + monitoring + voice with the default Ollama limit, MiB: %d", everything / MIB)
                .isEqualTo(8240 * MIB).isGreaterThan(CONTAINER_BUDGET);
        long smallerOllama = sum(started(services(Map.of("OLLAMA_MEM_LIMIT", "4560m"), "--profile", "monitoring",
                "--profile", "voice"), "monitoring", "voice"));
        assertThat(smallerOllama).as("with OLLAMA_MEM_LIMIT=4560m, MiB: %d", smallerOllama / MIB)
                .isLessThanOrEqualTo(CONTAINER_BUDGET);
    }

    static long sum(Map<String, Map<String, Object>> services) {
        return services.values().stream().mapToLong(s -> bytes(s.get("mem_limit"))).sum();
    }

    @Test
    @SuppressWarnings("unchecked")
    void theVoiceProfileRunsWhisperServerAfterItsModelDownload() {
        Map<String, Map<String, Object>> all = services("--profile", "voice");
        Map<String, Object> whisper = all.get("whisper");
        Map<String, Object> pull = all.get("whisper-pull");
        assertThat(whisper.get("profiles")).isEqualTo(List.of("voice"));
        assertThat(pull.get("profiles")).isEqualTo(List.of("voice"));
        assertThat(whisper.get("image")).isEqualTo("ghcr.io/ggml-org/whisper.cpp:main");
        assertThat(pull.get("image")).as("the pull job reuses the image's curl").isEqualTo(whisper.get("image"));
        // The image's ENTRYPOINT is ["bash", "-c"]: the command is one string.
        List<Object> command = (List<Object>) whisper.get("command");
        assertThat(command).hasSize(1);
        assertThat(String.valueOf(command.get(0)).split("\\s+")).containsSubsequence(
                "whisper-server", "--host", "0.0.0.0", "--port", "8080", "-m", "/models/ggml-base.bin", "-l", "pt",
                "-t", "4", "--convert");
        assertThat((List<Object>) whisper.get("volumes")).anySatisfy(v -> assertThat(String.valueOf(v))
                .startsWith("whisper-models:/models"));
        assertThat((List<Object>) pull.get("volumes")).anySatisfy(v -> assertThat(String.valueOf(v))
                .startsWith("whisper-models:/models"));
        assertThat(((Map<String, Object>) ((Map<String, Object>) whisper.get("depends_on")).get("whisper-pull"))
                .get("condition")).isEqualTo("service_completed_successfully");
        assertThat(String.valueOf(((Map<String, Object>) whisper.get("healthcheck")).get("test")))
                .contains("http://127.0.0.1:8080/health");
        assertThat(whisper).doesNotContainKey("ports"); // internal network only

        // Downloads only when missing, to a .part file renamed when complete and checked.
        String script = String.valueOf(((List<Object>) pull.get("command")).get(0)).replace("$$", "$");
        assertThat(script).contains("if [ -s \"$file\" ]", "exit 0",
                "https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-$model.bin", "-o \"$file.part\"",
                "465707469ff3a37a2b9b8d8f89f2f99de7299dac", "sha1sum -c", "mv \"$file.part\" \"$file\"");
        assertThat(((Map<String, Object>) pull.get("healthcheck")).get("test")).isEqualTo(List.of("NONE"));

        // Another model: the download and the server follow WHISPER_MODEL.
        Map<String, Map<String, Object>> small = services(Map.of("WHISPER_MODEL", "small", "WHISPER_MEM_LIMIT", "1g"),
                "--profile", "voice");
        assertThat(String.valueOf(((List<Object>) small.get("whisper").get("command")).get(0)))
                .contains("-m /models/ggml-small.bin");
        assertThat(String.valueOf(((List<Object>) small.get("whisper-pull").get("command")).get(0)))
                .contains("model=\"small\"");
        assertThat(bytes(small.get("whisper").get("mem_limit"))).isEqualTo(1024 * MIB);
    }

    /** Voice notes stay off unless .env turns them on: atende is never pointed at a whisper that is not running. */
    @Test
    @SuppressWarnings("unchecked")
    void atendeUsesWhisperOnlyWhenEnvSaysSo() throws IOException {
        // env_file: .env reaches the container as it is (docker-compose config merges it into environment).
        Map<String, Object> env = (Map<String, Object>) services("--profile", "voice").get("atende").get("environment");
        assertThat(env).doesNotContainKey("ATENDE_STT_URL");
        assertThat(Files.readString(Tools.repo().resolve(".env.example")))
                .containsPattern("(?m)^# ATENDE_STT_URL=http://whisper:8080/inference$");
        assertThat(Files.readString(Tools.repo().resolve("docker-compose.yml")))
                .contains("ATENDE_STT_URL=http://whisper:8080/inference");
    }

    @Test
    @SuppressWarnings("unchecked")
    void stateLivesInNamedVolumesAndOnlyNginxIsPublic() {
        Map<String, Map<String, Object>> all = services("--profile", "monitoring", "--profile", "voice");
        for (String svc : List.of("postgres", "ollama", "atende", "evolution-api", "backup", "prometheus", "grafana",
                "whisper", "whisper-pull")) {
            List<Object> volumes = (List<Object>) all.get(svc).get("volumes");
            // A named volume: the source is a name, not a host path.
            assertThat(volumes).as(svc).anySatisfy(v -> assertThat(String.valueOf(v)).matches("[a-z][a-z0-9-]*:/.*"));
        }
        all.forEach((name, s) -> {
            List<Object> ports = (List<Object>) s.getOrDefault("ports", List.of());
            for (Object p : ports) {
                String port = String.valueOf(p);
                if (!name.equals("nginx")) {
                    assertThat(port).as(name + " publishes only on loopback").contains("127.0.0.1");
                }
            }
        });
    }

    @Test
    void everyVariableOfTheComposeFileIsInEnvExample() throws IOException {
        String compose = Files.readString(Tools.repo().resolve("docker-compose.yml"));
        String example = Files.readString(Tools.repo().resolve(".env.example"));
        Set<String> used = new TreeSet<>();
        Matcher m = Pattern.compile("(?<!\\$)\\$\\{([A-Z0-9_]+)").matcher(compose);
        while (m.find()) {
            used.add(m.group(1));
        }
        assertThat(used).contains("ATENDE_WEBHOOK_TOKEN", "OLLAMA_NUM_PARALLEL", "BACKUP_RETENTION_DAYS");
        Set<String> documented = new TreeSet<>();
        Matcher d = Pattern.compile("(?m)^#?\\s*([A-Z0-9_]+)=").matcher(example);
        while (d.find()) {
            documented.add(d.group(1));
        }
        assertThat(documented).containsAll(used);
    }

    /** docker-compose renders mem_limit as given ("512m", "5g") or as a byte count. */
    static long bytes(Object limit) {
        String v = String.valueOf(limit).trim().toLowerCase();
        Matcher m = Pattern.compile("(\\d+)([kmg]?)b?").matcher(v);
        if (!m.matches()) {
            throw new IllegalArgumentException("mem_limit " + v);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "k" -> n * 1024;
            case "m" -> n * MIB;
            case "g" -> n * 1024 * MIB;
            default -> n;
        };
    }
}

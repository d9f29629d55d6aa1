package io.atende.ops;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs the real operations tools (docker-compose, nginx, promtool, pg_dump, psql) from the PATH. A test that needs a
 * missing tool is skipped with a message naming the Debian package (JUnit assumption), never passed silently;
 * .ci/run installs them.
 */
final class Tools {

    record Result(int exitCode, String output) {
    }

    private Tools() {
    }

    static Optional<Path> find(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        List<String> dirs = new ArrayList<>(List.of(path.split(File.pathSeparator)));
        dirs.add("/usr/sbin");
        dirs.add("/sbin");
        for (String dir : dirs) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The tool's path, or the test is skipped saying which Debian package provides it. */
    static Path require(String name, String debianPackage) {
        Optional<Path> p = find(name);
        assumeTrue(p.isPresent(), () -> "SKIPPED: '" + name + "' is not installed (apt-get install -y " + debianPackage
                + "); .ci/run installs it");
        return p.get();
    }

    static Result run(Path workDir, Map<String, String> env, List<String> command) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
            pb.environment().putAll(env);
            Path out = Files.createTempFile("tool-", ".out");
            pb.redirectOutput(out.toFile());
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("Timed out: " + command);
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            Files.deleteIfExists(out);
            return new Result(p.exitValue(), text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The repository root (tests run with the module directory as working directory). */
    static Path repo() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("pom.xml"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("pom.xml not found above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    /** A copy of src/main/resources/routes in {@code resources}/routes, for a gateway that reloads edited routes. */
    static Path copyOfTheRoutes(Path resources) throws IOException {
        Path routes = Files.createDirectories(resources.resolve("routes"));
        try (java.util.stream.Stream<Path> files = Files.list(repo().resolve("src/main/resources/routes"))) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.copy(p, routes.resolve(p.getFileName()));
            }
        }
        return routes;
    }
}

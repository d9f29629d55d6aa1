package io.atende.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Objects;

/**
 * Resolves the webhook shared secret so that a fresh install is secure without any configuration: when
 * none is configured, one is generated once and kept in the data directory, where the operator can copy
 * it into Evolution's webhook headers.
 */
public final class WebhookTokenStore {

    public static final String FILE_NAME = "webhook-token";

    /** 256 bits: as strong as the HS256 key it doubles as. */
    private static final int TOKEN_BYTES = 32;

    private static final SecureRandom RANDOM = new SecureRandom();

    public enum Source { CONFIGURED, FILE, GENERATED }

    /**
     * @param token  the secret
     * @param source where it came from
     * @param file   the token file for {@link Source#FILE} and {@link Source#GENERATED}; null when configured
     */
    public record Resolved(String token, Source source, Path file) {

        public Resolved {
            Objects.requireNonNull(token, "token");
            Objects.requireNonNull(source, "source");
        }

        /** Never print the secret itself: this record ends up in startup logs. */
        @Override
        public String toString() {
            return "Resolved[token=<redacted>, source=" + source + ", file=" + file + "]";
        }
    }

    private WebhookTokenStore() {
    }

    /**
     * @param configuredToken the configured secret; null or blank means "not configured"
     * @param dataDir         where the generated secret lives; created if needed
     * @throws IllegalStateException when the token file exists but is blank
     * @throws UncheckedIOException  when the file cannot be read or written
     */
    public static Resolved resolve(String configuredToken, Path dataDir) {
        if (configuredToken != null && !configuredToken.isBlank()) {
            return new Resolved(configuredToken.strip(), Source.CONFIGURED, null);
        }
        Path file = dataDir.resolve(FILE_NAME);
        try {
            if (Files.exists(file)) {
                return new Resolved(read(file), Source.FILE, file);
            }
            String token = generate();
            Files.createDirectories(dataDir);
            try {
                write(file, token);
            } catch (FileAlreadyExistsException raced) {
                // Another process got there first; use its token so both agree.
                return new Resolved(read(file), Source.FILE, file);
            }
            return new Resolved(token, Source.GENERATED, file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create webhook token file " + file, e);
        }
    }

    private static String read(Path file) throws IOException {
        // Strip: operators often write the file with `echo`, which appends a newline.
        String token = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (token.isEmpty()) {
            // Refuse rather than silently replace a secret someone may be relying on.
            throw new IllegalStateException("webhook token file " + file
                    + " is empty; delete it to generate a new token, or write a token into it");
        }
        return token;
    }

    private static String generate() {
        byte[] bytes = new byte[TOKEN_BYTES];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Creates the file (failing if it exists) readable by the owner only, before any byte is written. */
    private static void write(Path file, String token) throws IOException {
        FileAttribute<?>[] attributes = supportsPosix(file.getParent())
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
        try (SeekableByteChannel channel = Files.newByteChannel(file,
                EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attributes)) {
            ByteBuffer buffer = ByteBuffer.wrap((token + "\n").getBytes(StandardCharsets.UTF_8));
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
    }

    private static boolean supportsPosix(Path dir) throws IOException {
        return Files.getFileStore(dir).supportsFileAttributeView("posix");
    }
}

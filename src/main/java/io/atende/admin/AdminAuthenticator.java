package io.atende.admin;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Locale;

/**
 * Guards {@code /admin}: the caller must send {@code Authorization: Bearer <ATENDE_ADMIN_TOKEN>}.
 *
 * <p>Only the header is accepted, never a query parameter, so the token does not end up in proxy or access logs.
 * The token is compared as a SHA-256 digest with {@link MessageDigest#isEqual}, so neither its content nor its
 * length leaks through timing.
 *
 * <p>When {@code ATENDE_ADMIN_TOKEN} is not set, {@link #resolve} generates a token once and keeps it in
 * {@code ${ATENDE_DATA_DIR}/admin-token} (owner-only), as for the webhook token. The token itself is logged only in
 * that one-time generation message; later starts log where it came from.
 */
public final class AdminAuthenticator {

    public static final String FILE_NAME = "admin-token";

    private static final Logger LOG = LoggerFactory.getLogger(AdminAuthenticator.class);
    private static final String BEARER = "bearer";
    private static final int TOKEN_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Where the token came from. */
    public enum Source { CONFIGURED, FILE, GENERATED }

    private final byte[] tokenDigest;
    private final Source source;
    private final Path file;

    public AdminAuthenticator(String token) {
        this(token, Source.CONFIGURED, null);
    }

    private AdminAuthenticator(String token, Source source, Path file) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("admin token must not be blank");
        }
        this.tokenDigest = sha256(token.strip());
        this.source = source;
        this.file = file;
    }

    /**
     * @param configuredToken {@code ATENDE_ADMIN_TOKEN}; null or blank means "not configured"
     * @param dataDir         where a generated token is kept; created if needed
     * @param httpPort        only for the example in the one-time generation message
     * @throws IllegalStateException when the token file exists but is blank
     * @throws UncheckedIOException  when the file cannot be read or written
     */
    public static AdminAuthenticator resolve(String configuredToken, Path dataDir, int httpPort) {
        AdminAuthenticator resolved;
        String generated = null;
        if (configuredToken != null && !configuredToken.isBlank()) {
            resolved = new AdminAuthenticator(configuredToken, Source.CONFIGURED, null);
        } else {
            Path file = dataDir.resolve(FILE_NAME);
            try {
                if (Files.exists(file)) {
                    resolved = new AdminAuthenticator(read(file), Source.FILE, file);
                } else {
                    Files.createDirectories(dataDir);
                    String token = generate();
                    try {
                        write(file, token);
                        generated = token;
                        resolved = new AdminAuthenticator(token, Source.GENERATED, file);
                    } catch (FileAlreadyExistsException raced) {
                        resolved = new AdminAuthenticator(read(file), Source.FILE, file);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read or create admin token file " + file, e);
            }
        }
        switch (resolved.source) {
            case CONFIGURED -> LOG.info("Admin token: taken from ATENDE_ADMIN_TOKEN");
            case FILE -> LOG.info("Admin token: taken from {} (set ATENDE_ADMIN_TOKEN to choose your own)", resolved.file);
            case GENERATED -> LOG.warn("""
                    No ATENDE_ADMIN_TOKEN was set, so an admin token was generated and saved in {}.
                    Use it for the /admin endpoints (shown this once):
                      curl -H 'Authorization: Bearer {}' http://<atende-host>:{}/admin/dead-letters""",
                    resolved.file, generated, httpPort);
        }
        return resolved;
    }

    /**
     * @param authorizationHeader the {@code Authorization} header, or null
     * @param rawQuery            the request's raw query string ({@code CamelHttpQuery}), or null. Camel's HTTP
     *                            server turns query parameters into headers, so {@code ?Authorization=...} would
     *                            otherwise pass for the header; a request carrying one is refused.
     * @throws AdminUnauthorizedException unless the header is {@code Bearer <the admin token>}
     */
    public void authenticate(String authorizationHeader, String rawQuery) {
        String credential = hasAuthorizationParameter(rawQuery) ? null : bearerCredential(authorizationHeader);
        if (credential == null || !MessageDigest.isEqual(tokenDigest, sha256(credential))) {
            throw new AdminUnauthorizedException();
        }
    }

    public Source source() {
        return source;
    }

    /** The token file for {@link Source#FILE} and {@link Source#GENERATED}; null when configured. */
    public Path file() {
        return file;
    }

    private static boolean hasAuthorizationParameter(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return false;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            try {
                name = URLDecoder.decode(name, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException malformed) {
                return true; // cannot tell: refuse
            }
            if (name.strip().equalsIgnoreCase("authorization")) {
                return true;
            }
        }
        return false;
    }

    /** The credential after a case-insensitive {@code Bearer} scheme, or null. */
    private static String bearerCredential(String header) {
        if (header == null) {
            return null;
        }
        String value = header.strip();
        if (value.length() <= BEARER.length()
                || !value.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)
                || !Character.isWhitespace(value.charAt(BEARER.length()))) {
            return null;
        }
        String credential = value.substring(BEARER.length()).strip();
        return credential.isEmpty() ? null : credential;
    }

    private static String read(Path file) throws IOException {
        String token = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (token.isEmpty()) {
            throw new IllegalStateException("admin token file " + file
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
        FileAttribute<?>[] attributes = Files.getFileStore(file.getParent()).supportsFileAttributeView("posix")
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

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    @Override
    public String toString() {
        return "AdminAuthenticator[token=<redacted>, source=" + source + ", file=" + file + "]";
    }
}

package io.atende.support;

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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.EnumSet;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * A shared secret that callers present (the webhook token, the admin token): configured, or generated once and kept in
 * the data directory, so that a fresh install is secure without any configuration. Candidates are compared as SHA-256
 * digests with {@link MessageDigest#isEqual}, so neither the content nor the length of the secret leaks through
 * timing.
 */
public final class SecretToken {

    /** Where the secret came from. */
    public enum Source { CONFIGURED, FILE, GENERATED }

    /** 256 bits: as strong as the HS256 key the webhook token doubles as. */
    private static final int TOKEN_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String BEARER = "bearer";

    private final String value;
    private final byte[] digest;
    private final Source source;
    private final Path file;

    private SecretToken(String value, Source source, Path file) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("a secret token must not be blank");
        }
        this.value = value.strip();
        this.digest = sha256(this.value);
        this.source = source;
        this.file = file;
    }

    public static SecretToken of(String value) {
        return new SecretToken(value, Source.CONFIGURED, null);
    }

    /**
     * @param configured the configured secret; null or blank means "not configured"
     * @param dataDir    where a generated secret is kept (owner-only); created if needed
     * @param fileName   the file's name in {@code dataDir}
     * @throws IllegalStateException when the file exists but is blank (never silently replace a secret in use)
     * @throws UncheckedIOException  when the file cannot be read or written
     */
    public static SecretToken resolve(String configured, Path dataDir, String fileName) {
        if (configured != null && !configured.isBlank()) {
            return of(configured);
        }
        Path file = dataDir.resolve(fileName);
        try {
            if (Files.exists(file)) {
                return new SecretToken(read(file), Source.FILE, file);
            }
            Files.createDirectories(dataDir);
            String token = random();
            try {
                write(file, token);
            } catch (FileAlreadyExistsException raced) {
                // Another process got there first; use its token so both agree.
                return new SecretToken(read(file), Source.FILE, file);
            }
            return new SecretToken(token, Source.GENERATED, file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the token file " + file, e);
        }
    }

    /**
     * Says where the secret came from, without showing it; when it was just generated, shows it this once, as a
     * warning, with how to use it.
     *
     * @param what    e.g. "Webhook token"
     * @param setting the environment variable that sets it, e.g. ATENDE_WEBHOOK_TOKEN
     * @param howToUse the lines that follow the generation message, given the secret
     */
    public void announce(org.slf4j.Logger log, String what, String setting, UnaryOperator<String> howToUse) {
        switch (source) {
            case CONFIGURED -> log.info("{}: taken from {}", what, setting);
            case FILE -> log.info("{}: taken from {} (set {} to choose your own)", what, file, setting);
            case GENERATED -> log.warn("No {} was set, so a new {} was generated and saved in {}.\n{}", setting,
                    what.toLowerCase(Locale.ROOT), file, howToUse.apply(value));
        }
    }

    /** True when the candidate is this secret. */
    public boolean matches(String candidate) {
        return candidate != null && MessageDigest.isEqual(digest, sha256(candidate));
    }

    /** The credential after a case-insensitive {@code Bearer} scheme in an {@code Authorization} header, or null. */
    public static String bearer(String authorizationHeader) {
        if (authorizationHeader == null) {
            return null;
        }
        String value = authorizationHeader.strip();
        if (value.length() <= BEARER.length()
                || !value.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)
                || !Character.isWhitespace(value.charAt(BEARER.length()))) {
            return null;
        }
        String credential = value.substring(BEARER.length()).strip();
        return credential.isEmpty() ? null : credential;
    }

    /** The secret itself: the webhook token is also the HMAC key of Evolution's JWTs, and is shown once when generated. */
    public String value() {
        return value;
    }

    public Source source() {
        return source;
    }

    /** The token file for {@link Source#FILE} and {@link Source#GENERATED}; null when configured. */
    public Path file() {
        return file;
    }

    private static String read(Path file) throws IOException {
        // Strip: operators often write the file with `echo`, which appends a newline.
        String token = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (token.isEmpty()) {
            throw new IllegalStateException("token file " + file
                    + " is empty; delete it to generate a new token, or write a token into it");
        }
        return token;
    }

    /** A new random token: 256 bits, URL-safe Base64 without padding (tokens, session cookies, CSRF tokens). */
    public static String random() {
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

    /** SHA-256 of the bytes, in lower-case hex: what is stored instead of a secret, and content fingerprints. */
    public static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(digest(bytes));
    }

    /** SHA-256 of the text's UTF-8 bytes, in lower-case hex. */
    public static String sha256Hex(String value) {
        return sha256Hex(value.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] sha256(String value) {
        return digest(value.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] digest(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e); // every JRE ships it
        }
    }

    /** Never print the secret: this object ends up in startup logs. */
    @Override
    public String toString() {
        return "SecretToken[<redacted>, source=" + source + ", file=" + file + "]";
    }
}

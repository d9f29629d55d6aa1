package io.atende.ingest;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies the HS256 JWTs Evolution sends when a webhook is configured with {@code jwt_key}
 * ({@code {iat, exp: iat+600, app, action}}).
 *
 * <p>Deliberately narrow instead of a general JWT library: only {@code alg: HS256} is accepted (no
 * {@code none}, no algorithm chosen by the token), the signature is compared in constant time, and
 * {@code exp} is mandatory so a leaked token cannot be replayed forever. Any malformed input yields a
 * {@link Result}, never an exception.
 */
public final class Hs256JwtVerifier {

    /** Outcome of a verification; only {@link #VALID} authenticates. */
    public enum Result {
        VALID,
        MALFORMED,
        UNSUPPORTED_ALGORITHM,
        BAD_SIGNATURE,
        MISSING_EXPIRY,
        EXPIRED,
        NOT_YET_VALID;

        public boolean isValid() {
            return this == VALID;
        }
    }

    private static final String HMAC = "HmacSHA256";

    /** Evolution's tokens are ~200 characters; refuse to decode and hash megabytes of header. */
    private static final int MAX_TOKEN_LENGTH = 8 * 1024;

    // Duplicate claims ({"alg":"HS256","alg":"none"}) are a classic parser-confusion trick: reject them.
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private static final Base64.Decoder BASE64URL = Base64.getUrlDecoder();

    private final SecretKeySpec key;
    private final Clock clock;
    private final double skewSeconds;

    /**
     * @param secret            HMAC key (Evolution uses the UTF-8 bytes of {@code jwt_key}); must not be empty
     * @param clock             time source for {@code exp}/{@code nbf}
     * @param allowedClockSkew  tolerance between Evolution's clock and ours
     */
    public Hs256JwtVerifier(byte[] secret, Clock clock, Duration allowedClockSkew) {
        if (secret == null || secret.length == 0) {
            throw new IllegalArgumentException("JWT secret must not be empty");
        }
        this.key = new SecretKeySpec(secret.clone(), HMAC);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.skewSeconds = allowedClockSkew.toMillis() / 1000.0;
    }

    public Result verify(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            return Result.MALFORMED;
        }
        try {
            return check(token);
        } catch (IllegalArgumentException | IOException e) {
            return Result.MALFORMED; // bad base64url or bad JSON
        }
    }

    private Result check(String token) throws IOException {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
            return Result.MALFORMED;
        }
        JsonNode header = JSON.readTree(BASE64URL.decode(parts[0]));
        if (header == null || !header.isObject()) {
            return Result.MALFORMED;
        }
        JsonNode alg = header.get("alg");
        if (alg == null || !alg.isTextual() || !alg.textValue().equals("HS256")) {
            return Result.UNSUPPORTED_ALGORITHM;
        }
        if (header.has("crit")) {
            return Result.MALFORMED; // we implement no extension, so we cannot honour a critical one
        }
        byte[] presented = BASE64URL.decode(parts[2]);
        byte[] expected = sign((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        if (!MessageDigest.isEqual(expected, presented)) {
            return Result.BAD_SIGNATURE;
        }
        // Claims are only looked at once we know they come from the key holder.
        JsonNode claims = JSON.readTree(BASE64URL.decode(parts[1]));
        if (claims == null || !claims.isObject()) {
            return Result.MALFORMED;
        }
        return checkTimes(claims);
    }

    private Result checkTimes(JsonNode claims) {
        double now = clock.millis() / 1000.0;
        JsonNode exp = claims.get("exp");
        if (exp == null || exp.isNull()) {
            return Result.MISSING_EXPIRY;
        }
        if (!exp.isNumber()) {
            return Result.MALFORMED;
        }
        if (now >= exp.doubleValue() + skewSeconds) {
            return Result.EXPIRED;
        }
        JsonNode nbf = claims.get("nbf");
        if (nbf != null && !nbf.isNull()) {
            if (!nbf.isNumber()) {
                return Result.MALFORMED;
            }
            if (now < nbf.doubleValue() - skewSeconds) {
                return Result.NOT_YET_VALID;
            }
        }
        return Result.VALID;
    }

    private byte[] sign(byte[] signingInput) {
        try {
            Mac mac = Mac.getInstance(HMAC); // Mac is stateful: one per call keeps the verifier thread-safe
            mac.init(key);
            return mac.doFinal(signingInput);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e); // every JRE ships it
        }
    }

    @Override
    public String toString() {
        return "Hs256JwtVerifier[key=<redacted>, skew=" + skewSeconds + "s]";
    }
}

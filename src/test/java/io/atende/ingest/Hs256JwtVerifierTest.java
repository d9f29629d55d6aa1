package io.atende.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.atende.ingest.Hs256JwtVerifier.Result;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each rejection is checked for its own reason, so one check cannot hide behind another. */
class Hs256JwtVerifierTest {

    private static final String SECRET = "evolution-jwt-key-for-tests";
    private static final Instant NOW = Instant.parse("2025-12-10T14:32:07Z");
    private static final long NOW_S = NOW.getEpochSecond();

    private final Hs256JwtVerifier verifier = new Hs256JwtVerifier(
            SECRET.getBytes(StandardCharsets.UTF_8), Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofSeconds(60));

    private static String withExp(long exp) {
        return TestJwts.hs256(SECRET, "{\"iat\":" + (exp - 600) + ",\"exp\":" + exp + "}");
    }

    @Test
    void evolutionTokenIssuedNowIsValid() {
        assertThat(verifier.verify(TestJwts.evolution(SECRET, NOW_S))).isEqualTo(Result.VALID);
    }

    @Test
    void expiryWithinTheClockSkewIsStillValid() {
        assertThat(verifier.verify(withExp(NOW_S - 59))).isEqualTo(Result.VALID);
    }

    @Test
    void expiryBeyondTheClockSkewIsExpired() {
        assertThat(verifier.verify(withExp(NOW_S - 60))).isEqualTo(Result.EXPIRED);
        assertThat(verifier.verify(TestJwts.evolution(SECRET, NOW_S - 3600))).isEqualTo(Result.EXPIRED);
    }

    @Test
    void tokenWithoutExpiryIsRejected() {
        assertThat(verifier.verify(TestJwts.hs256(SECRET, "{\"iat\":" + NOW_S + "}"))).isEqualTo(Result.MISSING_EXPIRY);
    }

    @Test
    void nonNumericExpiryIsMalformed() {
        assertThat(verifier.verify(TestJwts.hs256(SECRET, "{\"exp\":\"tomorrow\"}"))).isEqualTo(Result.MALFORMED);
    }

    @Test
    void notBeforeIsHonouredWithSkew() {
        String early = TestJwts.hs256(SECRET, "{\"nbf\":" + (NOW_S + 120) + ",\"exp\":" + (NOW_S + 600) + "}");
        String withinSkew = TestJwts.hs256(SECRET, "{\"nbf\":" + (NOW_S + 30) + ",\"exp\":" + (NOW_S + 600) + "}");

        assertThat(verifier.verify(early)).isEqualTo(Result.NOT_YET_VALID);
        assertThat(verifier.verify(withinSkew)).isEqualTo(Result.VALID);
    }

    @Test
    void tokenSignedWithAnotherKeyHasABadSignature() {
        assertThat(verifier.verify(TestJwts.evolution("some-other-key", NOW_S))).isEqualTo(Result.BAD_SIGNATURE);
    }

    @Test
    void tamperedPayloadHasABadSignature() {
        String[] parts = TestJwts.evolution(SECRET, NOW_S - 3600).split("\\.");
        String extended = TestJwts.encode("{\"iat\":" + NOW_S + ",\"exp\":" + (NOW_S + 600)
                + ",\"app\":\"evolution\",\"action\":\"webhook\"}");

        assertThat(verifier.verify(parts[0] + "." + extended + "." + parts[2])).isEqualTo(Result.BAD_SIGNATURE);
    }

    @Test
    void algNoneIsRejectedWithOrWithoutASignature() {
        String payload = TestJwts.encode("{\"exp\":" + (NOW_S + 600) + "}");
        String header = TestJwts.encode("{\"alg\":\"none\",\"typ\":\"JWT\"}");

        assertThat(verifier.verify(header + "." + payload + ".")).isEqualTo(Result.UNSUPPORTED_ALGORITHM);
        assertThat(verifier.verify(header + "." + payload + ".c2ln")).isEqualTo(Result.UNSUPPORTED_ALGORITHM);
    }

    @Test
    void hs512SignedWithTheRightKeyIsStillRejected() {
        String token = TestJwts.signed("{\"alg\":\"HS512\",\"typ\":\"JWT\"}",
                "{\"exp\":" + (NOW_S + 600) + "}", "HmacSHA512", SECRET);

        assertThat(verifier.verify(token)).isEqualTo(Result.UNSUPPORTED_ALGORITHM);
    }

    @Test
    void algorithmNameMustMatchExactly() {
        String token = TestJwts.signed("{\"alg\":\"hs256\"}", "{\"exp\":" + (NOW_S + 600) + "}", "HmacSHA256", SECRET);

        assertThat(verifier.verify(token)).isEqualTo(Result.UNSUPPORTED_ALGORITHM);
    }

    @Test
    void aDuplicateAlgorithmThatEndsWithNoneIsRefused() {
        // The parser keeps the last member: "none" is not the algorithm we require.
        String token = TestJwts.signed("{\"alg\":\"HS256\",\"alg\":\"none\"}",
                "{\"exp\":" + (NOW_S + 600) + "}", "HmacSHA256", SECRET);

        assertThat(verifier.verify(token)).isEqualTo(Result.UNSUPPORTED_ALGORITHM);
    }

    @Test
    void criticalHeaderExtensionsAreRefused() {
        String token = TestJwts.signed("{\"alg\":\"HS256\",\"crit\":[\"b64\"],\"b64\":false}",
                "{\"exp\":" + (NOW_S + 600) + "}", "HmacSHA256", SECRET);

        assertThat(verifier.verify(token)).isEqualTo(Result.MALFORMED);
    }

    @Test
    void signedPayloadThatIsNotAnObjectIsMalformed() {
        assertThat(verifier.verify(TestJwts.hs256(SECRET, "[1,2,3]"))).isEqualTo(Result.MALFORMED);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {
        "", "garbage", "a.b", "a.b.c.d", "..", "a.b.c", "@@@.###.$$$",
        "eyJhbGciOiJIUzI1NiJ9..c2ln", "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.%%%",
        "bm90IGpzb24.eyJleHAiOjF9.c2ln"})
    void garbageIsRefusedAndNeverThrows(String token) {
        // An undecodable signature reads as a bad signature, anything else undecodable as malformed.
        assertThat(verifier.verify(token)).isIn(Result.MALFORMED, Result.BAD_SIGNATURE);
    }

    @Test
    void oversizedTokenIsMalformed() {
        String huge = TestJwts.hs256(SECRET, "{\"exp\":" + (NOW_S + 600) + ",\"pad\":\"" + "x".repeat(10_000) + "\"}");

        assertThat(verifier.verify(huge)).isEqualTo(Result.MALFORMED);
        assertThat(verifier.verify(null)).isEqualTo(Result.MALFORMED);
    }
}

package io.atende.ingest;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.RegisteredClaims;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.AlgorithmMismatchException;
import com.auth0.jwt.exceptions.IncorrectClaimException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.MissingClaimException;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.DecodedJWT;

import java.time.Clock;
import java.time.Duration;

/**
 * Verifies the HS256 JWTs Evolution sends when a webhook is configured with {@code jwt_key}
 * ({@code {iat, exp: iat+600, app, action}}), with auth0's java-jwt.
 *
 * <p>The algorithm is ours, not the token's: only {@code HS256} signed with the key passes ({@code none} and every other
 * algorithm are refused). {@code exp} is required, so a leaked token cannot be replayed forever, and {@code exp} and
 * {@code nbf} allow {@code allowedClockSkew}. {@code iat} is not checked, as Evolution's clock may run ahead. Keys of any
 * length are accepted, as they always were: the key is the webhook token, which may be short when set by hand. Any
 * malformed input yields a {@link Result}, never an exception.
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

    /** Evolution's tokens are ~200 characters; refuse to decode and hash megabytes of header. */
    private static final int MAX_TOKEN_LENGTH = 8 * 1024;

    private final JWTVerifier verifier;

    /**
     * @param secret           HMAC key (Evolution uses the UTF-8 bytes of {@code jwt_key}); must not be empty
     * @param clock            time source for {@code exp}/{@code nbf}
     * @param allowedClockSkew tolerance between Evolution's clock and ours (whole seconds)
     */
    public Hs256JwtVerifier(byte[] secret, Clock clock, Duration allowedClockSkew) {
        if (secret == null || secret.length == 0) {
            throw new IllegalArgumentException("JWT secret must not be empty");
        }
        this.verifier = ((JWTVerifier.BaseVerification) JWT.require(Algorithm.HMAC256(secret))
                .withClaimPresence(RegisteredClaims.EXPIRES_AT)
                .acceptLeeway(allowedClockSkew.toSeconds())
                .ignoreIssuedAt())
                .build(clock);
    }

    public Result verify(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            return Result.MALFORMED;
        }
        try {
            DecodedJWT jwt = verifier.verify(token);
            // No extension is implemented here, so a critical one cannot be honoured.
            return jwt.getHeaderClaim("crit").isMissing() ? Result.VALID : Result.MALFORMED;
        } catch (AlgorithmMismatchException e) {
            return Result.UNSUPPORTED_ALGORITHM;
        } catch (SignatureVerificationException e) {
            return Result.BAD_SIGNATURE;
        } catch (TokenExpiredException e) {
            return Result.EXPIRED;
        } catch (MissingClaimException e) {
            return RegisteredClaims.EXPIRES_AT.equals(e.getClaimName()) ? Result.MISSING_EXPIRY : Result.MALFORMED;
        } catch (IncorrectClaimException e) {
            return RegisteredClaims.NOT_BEFORE.equals(e.getClaimName()) ? Result.NOT_YET_VALID : Result.MALFORMED;
        } catch (JWTVerificationException | IllegalArgumentException e) {
            return Result.MALFORMED; // bad base64url, bad JSON, a claim of the wrong type
        }
    }

    @Override
    public String toString() {
        return "Hs256JwtVerifier[key=<redacted>]";
    }
}

package io.atende.ingest;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Test-only JWT builder: signs whatever header and payload a test wants, valid or not. */
final class TestJwts {

    static final String HS256_HEADER = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

    private TestJwts() {
    }

    /** The token Evolution sends for a webhook configured with {@code jwt_key} = secret. */
    static String evolution(String secret, long iatSeconds) {
        return hs256(secret, "{\"iat\":" + iatSeconds + ",\"exp\":" + (iatSeconds + 600)
                + ",\"app\":\"evolution\",\"action\":\"webhook\"}");
    }

    static String hs256(String secret, String payloadJson) {
        return signed(HS256_HEADER, payloadJson, "HmacSHA256", secret);
    }

    static String signed(String headerJson, String payloadJson, String macAlgorithm, String secret) {
        String signingInput = encode(headerJson) + "." + encode(payloadJson);
        return signingInput + "." + base64url(hmac(macAlgorithm, secret, signingInput));
    }

    static String encode(String json) {
        return base64url(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String base64url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static byte[] hmac(String algorithm, String secret, String input) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), algorithm));
            return mac.doFinal(input.getBytes(StandardCharsets.US_ASCII));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.atende.painel;

import io.atende.admin.AdminBadRequestException;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Only the query parameters a Painel route reads, each once. Camel's HTTP server turns query parameters into headers:
 * without this, {@code ?Cookie=...} or {@code ?X-CSRF-Token=...} would pass for the request's headers, and
 * {@code ?instance=} could shadow a path parameter.
 */
public final class PainelRequestGuard {

    /**
     * @param allowed the names this route reads, comma-separated (empty: none)
     * @throws AdminBadRequestException naming the parameter
     */
    public void check(Map<String, Object> headers, String rawQuery, String allowed) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return;
        }
        List<String> names = allowed == null || allowed.isBlank() ? List.of() : List.of(allowed.split(","));
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name;
            try {
                name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8).strip();
            } catch (IllegalArgumentException malformed) {
                throw new AdminBadRequestException("the query string is malformed");
            }
            if (name.isEmpty()) {
                continue;
            }
            if (!names.contains(name)) {
                throw new AdminBadRequestException(name + " is not a parameter of this request");
            }
            if (headers.get(name) instanceof Collection<?> values && values.size() > 1) {
                throw new AdminBadRequestException(name + " must be given once");
            }
        }
    }
}

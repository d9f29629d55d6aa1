package io.atende.admin;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Refuses a query string that would change what a route reads from the path or the request's headers. Camel's HTTP
 * server turns query parameters into headers next to the path parameters and the request's own headers: without this,
 * {@code PUT /admin/instances/loja?instance=x} would hand the route {@code instance = [x, loja]}, and
 * {@code ?If-Match=...} would pass for the header.
 */
public final class AdminRequestGuard {

    /** Request headers the admin routes read; never taken from the query string. */
    static final Set<String> HEADERS = Set.of("if-match", "x-changed-by", "content-type", "authorization");

    /**
     * @param headers  the exchange's headers as the HTTP server set them
     * @param rawQuery the request's raw query string, or null
     * @throws AdminBadRequestException naming the parameter: given more than once (also as a path parameter), or a
     *                                  header's name
     */
    public void check(Map<String, Object> headers, String rawQuery) {
        for (String name : names(rawQuery)) {
            if (HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                throw new AdminBadRequestException(name + " is a header, not a query parameter");
            }
            if (headers.get(name) instanceof Collection<?> values && values.size() > 1) {
                throw new AdminBadRequestException(name + " must be given once");
            }
        }
    }

    private static Set<String> names(String rawQuery) {
        Set<String> names = new LinkedHashSet<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return names;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            try {
                names.add(URLDecoder.decode(name, StandardCharsets.UTF_8).strip());
            } catch (IllegalArgumentException malformed) {
                throw new AdminBadRequestException("the query string is malformed");
            }
        }
        return names;
    }
}

package io.atende.admin;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AdminResponseHeadersTest {

    final AdminResponseHeaders headers = new AdminResponseHeaders();

    @Test
    void onlyTheAnswersOwnHeadersLeave() {
        for (String own : new String[] {"Content-Type", "ETag", "etag", "Location", "Retry-After", "WWW-Authenticate",
                "Allow"}) {
            assertThat(headers.applyFilterToCamelHeaders(own, "x", null)).as(own).isFalse();
        }
        for (String request : new String[] {"Authorization", "authorization", "User-Agent", "If-Match", "X-Changed-By",
                "Host", "instance", "CamelHttpQuery", "X-Anything"}) {
            assertThat(headers.applyFilterToCamelHeaders(request, "x", null)).as(request).isTrue();
        }
    }

    @Test
    void noCamelHeaderComesInFromOutside() {
        assertThat(headers.applyFilterToExternalHeaders("CamelHttpResponseCode", "200", null)).isTrue();
        assertThat(headers.applyFilterToExternalHeaders("Authorization", "Bearer x", null)).isFalse();
    }
}

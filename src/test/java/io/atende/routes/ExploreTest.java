package io.atende.routes;

import org.junit.jupiter.api.Test;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

class ExploreTest extends RouteTestSupport {
    @Test
    void explore() throws Exception {
        startCamel();
        HttpClient client = HttpClient.newHttpClient();
        String[][] reqs = {
            {"GET", "/admin/openapi.json", ADMIN_TOKEN},
            {"GET", "/admin/openapi.json", null},
            {"GET", "/admin/nothing", ADMIN_TOKEN},
            {"GET", "/admin/nothing", null},
            {"DELETE", "/admin/dead-letters", ADMIN_TOKEN},
            {"POST", "/admin/conversations", ADMIN_TOKEN},
            {"GET", "/admin/instances", ADMIN_TOKEN},
            {"GET", "/admin/conversations?state=foo", ADMIN_TOKEN},
            {"GET", "/admin/conversations", ADMIN_TOKEN},
            {"GET", "/admin/conversations/loja/123", ADMIN_TOKEN},
            {"GET", "/webhooks/nothing", null},
            {"GET", "/admin", ADMIN_TOKEN},
        };
        for (String[] r : reqs) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + r[1])).method(r[0], HttpRequest.BodyPublishers.noBody());
            if (r[2] != null) b.header("Authorization", "Bearer " + r[2]);
            b.header("X-Foo", "bar");
            HttpResponse<String> resp = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            System.out.println("### " + r[0] + " " + r[1] + " -> " + resp.statusCode() + " " + resp.headers().map() + "\n" + resp.body());
        }
    }
}

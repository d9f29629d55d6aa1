package io.atende.ops;

import io.atende.support.AtendeRunner;
import io.atende.support.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Dev mode with the admin API's REST DSL: an edited admin.camel.yaml replaces its verbs and routes in the running
 * gateway, the OpenAPI document shows the edit at once, and the verbs keep their token and their problem answers.
 */
class AdminRouteReloadE2ETest {

    static final String ADMIN = "admin-token-for-tests";
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path resources;
    @TempDir
    Path dataDir;
    AtendeRunner app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void anEditedAdminFileIsLiveAndDocumentedWithoutARestart() throws Exception {
        Path routes = Tools.copyOfTheRoutes(resources);
        app = new AtendeRunner()
                .database(TestPostgres.newDatabase(), dataDir)
                .set("atende.webhook.token", "t")
                .set("atende.admin.token", ADMIN)
                .set("camel.main.routes-reload-enabled", "true")
                .set("camel.main.routes-reload-directory", routes.toString())
                .start();
        int routesBefore = app.context().getRoutes().size();
        assertThat(get("/admin/openapi.json", ADMIN).body()).doesNotContain("edited live");

        Path file = routes.resolve("admin.camel.yaml");
        String yaml = Files.readString(file);
        String description = "description: The admin API's OpenAPI 3 document";
        assertThat(yaml).contains(description);
        Files.writeString(file, yaml.replace(description, "description: The admin API's document, edited live"));

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> get("/admin/openapi.json", ADMIN).body().contains("edited live"));
        // Once: the blocks the reload replaced are not in the document any more.
        String document = get("/admin/openapi.json", ADMIN).body();
        assertThat(document).doesNotContain("The admin API's OpenAPI 3 document");
        assertThat(document.split("\"operationId\"", -1)).hasSize(16); // 15 operations
        assertThat(app.context().getRoutes()).hasSize(routesBefore);
        assertThat(get("/admin/conversations", ADMIN).statusCode()).isEqualTo(200);
        assertThat(get("/admin/conversations", null).statusCode()).isEqualTo(401);
        assertThat(get("/admin/conversations?state=x", ADMIN).statusCode()).isEqualTo(400);
        assertThat(get("/admin/nothing", ADMIN).statusCode()).isEqualTo(404);
        assertThat(get("/admin/dead-letters", ADMIN).body()).isEqualTo("[]");
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(app.baseUrl() + path)).timeout(Duration.ofSeconds(10)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}

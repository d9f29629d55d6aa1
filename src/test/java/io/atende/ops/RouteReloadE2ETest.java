package io.atende.ops;

import io.atende.support.AtendeRunner;
import io.atende.support.Http;
import io.atende.support.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Dev mode: with ATENDE_ROUTES_RELOAD the running gateway picks up an edited YAML route without a restart.
 * The routes are loaded from the classpath as in production; the watched directory is a copy of
 * src/main/resources (ATENDE_ROUTES_RELOAD_DIR), so the test never edits the real files.
 */
class RouteReloadE2ETest {

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
    void anEditedRouteFileIsLiveWithoutARestart() throws Exception {
        Path routes = Tools.copyOfTheRoutes(resources);
        app = new AtendeRunner()
                .database(TestPostgres.newDatabase(), dataDir)
                .set("atende.webhook.token", "t")
                .set("camel.main.routes-reload-enabled", "true")
                .set("camel.main.routes-reload-directory", routes.toString())
                .set("atende.camel-cli.enabled", "true")
                .start();
        // Dev mode usually comes with the Camel CLI attached (ATENDE_CAMEL_CLI=true).
        assertThat(app.context().hasService(org.apache.camel.spi.CliConnector.class)).isNotNull();
        int routesBefore = app.context().getRoutes().size();
        assertThat(Http.get(app.baseUrl() + "/observe/reload-probe").statusCode()).isEqualTo(404);

        // The engineer adds a route to metrics.camel.yaml and saves the file.
        Path file = routes.resolve("metrics.camel.yaml");
        Files.writeString(file, Files.readString(file) + """

                - route:
                    id: reload-probe
                    from:
                      uri: platform-http:/observe/reload-probe
                      steps:
                        - setBody:
                            constant: edited live
                """);

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> {
            var res = Http.get(app.baseUrl() + "/observe/reload-probe");
            return res.statusCode() == 200 && res.body().equals("edited live");
        });
        assertThat(app.context().getRoute("reload-probe")).isNotNull();
        // The other routes are still there and still serve.
        assertThat(app.context().getRoutes()).hasSize(routesBefore + 1);
        assertThat(app.context().getRoute("webhook-evolution")).isNotNull();
        assertThat(Http.post(app.baseUrl() + "/webhooks/evolution", "{}").statusCode()).isEqualTo(401);
        assertThat(Http.get(app.baseUrl() + "/observe/health").statusCode()).isEqualTo(200);
    }
}

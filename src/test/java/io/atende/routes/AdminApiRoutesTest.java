package io.atende.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.atende.store.StoreUnavailableException;
import io.atende.support.HttpFailure;
import io.atende.support.HttpProblem;
import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The REST DSL of admin.camel.yaml over real HTTP on the context's port: the OpenAPI document (parsed by swagger-parser),
 * the token on every operation, the problem+json answers of failures inside the operations' direct routes and of paths
 * and methods no verb takes, and how the instance verbs hand a request to their direct routes.
 * <p>
 * The instance verbs' direct routes belong to the profiles; here they are replaced by {@link #STUB}, a test-only route
 * that follows the admin routes' pattern and echoes what reached it.
 */
class AdminApiRoutesTest extends RouteTestSupport {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final String UNAUTHORIZED =
            "{\"type\":\"about:blank\",\"title\":\"Unauthorized\",\"status\":401,\"error\":\"unauthorized\"}";

    /** Every admin operation: method, a path that reaches it, and the operationId the document gives it. */
    static final List<String[]> OPERATIONS = List.of(
            new String[] {"GET", "/admin/openapi.json", "/admin/openapi.json", "getOpenApiDocument"},
            new String[] {"GET", "/admin/dead-letters", "/admin/dead-letters", "listDeadLetters"},
            new String[] {"GET", "/admin/dead-letters/1", "/admin/dead-letters/{id}", "getDeadLetter"},
            new String[] {"POST", "/admin/dead-letters/1/replay", "/admin/dead-letters/{id}/replay", "replayDeadLetter"},
            new String[] {"GET", "/admin/instances", "/admin/instances", "listInstances"},
            new String[] {"GET", "/admin/instances/loja", "/admin/instances/{instance}", "getInstance"},
            new String[] {"PUT", "/admin/instances/loja", "/admin/instances/{instance}", "putInstance"},
            new String[] {"PATCH", "/admin/instances/loja", "/admin/instances/{instance}", "patchInstance"},
            new String[] {"DELETE", "/admin/instances/loja", "/admin/instances/{instance}", "deleteInstance"},
            new String[] {"GET", "/admin/instances/loja/history", "/admin/instances/{instance}/history", "getInstanceHistory"},
            new String[] {"GET", "/admin/conversations", "/admin/conversations", "listConversations"},
            new String[] {"GET", "/admin/conversations/loja/5521987654321", "/admin/conversations/{instance}/{contact}",
                    "getConversation"},
            new String[] {"POST", "/admin/conversations/loja/5521987654321/pause",
                    "/admin/conversations/{instance}/{contact}/pause", "pauseConversation"},
            new String[] {"POST", "/admin/conversations/loja/5521987654321/resume",
                    "/admin/conversations/{instance}/{contact}/resume", "resumeConversation"},
            new String[] {"GET", "/admin/handoffs", "/admin/handoffs", "listHandoffs"});

    /** The instance operations' direct routes, which the profiles provide; {@link #STUB} stands in for each. */
    static final List<String> INSTANCE_ROUTES = List.of("admin-list-instances", "admin-get-instance", "admin-put-instance",
            "admin-patch-instance", "admin-delete-instance", "admin-instance-history");

    static final String STUB = "direct:test-stub-instance-operation";

    // ---------------------------------------------------------------- the document

    @Test
    void theOpenApiDocumentNeedsTheTokenAndDescribesEveryOperation() throws Exception {
        startCamel();

        for (HttpResponse<String> refused : List.of(send("GET", "/admin/openapi.json", null, null),
                send("GET", "/admin/openapi.json", "wrong-" + ADMIN_TOKEN, null))) {
            assertThat(problem(refused, 401).toString()).isEqualTo(UNAUTHORIZED);
            assertThat(refused.body()).doesNotContain("openapi");
        }

        HttpResponse<String> document = send("GET", "/admin/openapi.json", ADMIN_TOKEN, null);
        assertThat(document.statusCode()).isEqualTo(200);
        assertThat(document.headers().firstValue("Content-Type")).hasValue("application/json");
        OpenAPI api = parse(document.body());

        assertThat(api.getOpenapi()).isEqualTo("3.0.3");
        assertThat(api.getInfo().getTitle()).isEqualTo("Atende admin API");
        assertThat(api.getServers()).singleElement().satisfies(s -> assertThat(s.getUrl()).isEqualTo("/"));
        SecurityScheme bearer = api.getComponents().getSecuritySchemes().get("adminToken");
        assertThat(bearer.getType()).isEqualTo(SecurityScheme.Type.HTTP);
        assertThat(bearer.getScheme()).isEqualTo("bearer");
        assertThat(api.getSecurity()).singleElement().satisfies(r -> assertThat(r).containsOnlyKeys("adminToken"));

        Map<String, Operation> operations = operations(api);
        Map<String, String> expected = new TreeMap<>();
        OPERATIONS.forEach(o -> expected.put(o[0] + " " + o[2], o[3]));
        assertThat(operations.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        operations.forEach((key, op) -> {
            assertThat(op.getOperationId()).as(key).isEqualTo(expected.get(key));
            assertThat(op.getSummary()).as(key).isNotBlank();
            assertThat(op.getResponses()).as(key).containsKey("401");
        });

        // Path parameters, as the paths name them, required.
        assertThat(parameters(operations.get("GET /admin/conversations/{instance}/{contact}"), "path"))
                .containsExactly("instance", "contact");
        assertThat(parameters(operations.get("PUT /admin/instances/{instance}"), "path")).containsExactly("instance");
        assertThat(parameters(operations.get("GET /admin/dead-letters/{id}"), "path")).containsExactly("id");
        operations.values().stream().flatMap(o -> o.getParameters() == null ? java.util.stream.Stream.empty()
                : o.getParameters().stream()).filter(p -> p.getIn().equals("path"))
                .forEach(p -> assertThat(p.getRequired()).as(p.getName()).isTrue());
        // Query parameters and headers.
        Operation list = operations.get("GET /admin/conversations");
        assertThat(parameters(list, "query")).containsExactly("instance", "state", "q", "page", "unmask");
        assertThat(list.getParameters().stream().filter(p -> p.getName().equals("state")).findFirst().orElseThrow()
                .getSchema().getEnum()).containsExactly("waiting", "answering", "idle", "human", "opted_out");
        for (String op : List.of("pause", "resume")) {
            assertThat(parameters(operations.get("POST /admin/conversations/{instance}/{contact}/" + op), "path")).as(op)
                    .containsExactly("instance", "contact");
            assertThat(operations.get("POST /admin/conversations/{instance}/{contact}/" + op).getResponses()).as(op)
                    .containsKeys("200", "404");
        }
        assertThat(operations.get("POST /admin/conversations/{instance}/{contact}/pause").getRequestBody().getRequired())
                .isNotEqualTo(Boolean.TRUE);
        assertThat(operations.get("POST /admin/conversations/{instance}/{contact}/pause").getResponses()).containsKey("400");
        assertThat(parameters(operations.get("GET /admin/handoffs"), "query")).containsExactly("instance", "unmask");
        assertThat(parameters(operations.get("GET /admin/dead-letters"), "query")).containsExactly("limit", "before");
        assertThat(parameters(operations.get("GET /admin/conversations/{instance}/{contact}"), "query"))
                .containsExactly("before", "unmask");
        for (String change : List.of("PUT /admin/instances/{instance}", "PATCH /admin/instances/{instance}",
                "DELETE /admin/instances/{instance}")) {
            assertThat(parameters(operations.get(change), "header")).as(change).containsExactly("If-Match", "X-Changed-By");
            assertThat(operations.get(change).getResponses()).as(change).containsKey("412");
        }
        assertThat(operations.get("PATCH /admin/instances/{instance}").getRequestBody().getContent())
                .containsKeys("application/merge-patch+json", "application/json");
        assertThat(operations.get("PUT /admin/instances/{instance}").getResponses()).containsKeys("200", "201");
        assertThat(operations.get("PUT /admin/instances/{instance}").getResponses().get("201").getHeaders())
                .containsKey("ETag");
        assertThat(operations.get("DELETE /admin/instances/{instance}").getResponses()).containsKey("204");
    }

    // ---------------------------------------------------------------- the token

    @Test
    void everyOperationRefusesAMissingOrWrongTokenAndEchoesNoRequestHeader() throws Exception {
        stubInstanceRoutes();
        startCamel();

        for (String[] operation : OPERATIONS) {
            for (String token : new String[] {null, "wrong-" + ADMIN_TOKEN, ADMIN_TOKEN.substring(1)}) {
                HttpResponse<String> refused = send(operation[0], operation[1], token, "{}",
                        "Content-Type", "application/json", "X-Request-Probe", "probe-value");
                assertThat(problem(refused, 401).toString()).as(operation[0] + " " + operation[1]).isEqualTo(UNAUTHORIZED);
                assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"atende\"");
                assertNoRequestHeaderEchoed(refused);
            }
        }
        assertThat(getMockEndpoint("mock:stub-reached").getReceivedCounter()).isZero();
    }

    // ---------------------------------------------------------------- the instance verbs' wiring

    @Test
    void theInstanceVerbsHandPathHeadersAndBodyToTheirRoutesAndReturnTheirAnswer() throws Exception {
        stubInstanceRoutes();
        startCamel();

        HttpResponse<String> created = send("PUT", "/admin/instances/loja", ADMIN_TOKEN, "{\"enabled\":true}",
                "Content-Type", "application/json", "If-Match", "\"3\"", "X-Changed-By", "maria",
                "X-Request-Probe", "probe-value", "X-Stub-Status", "201");
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.headers().firstValue("ETag")).hasValue("\"4\"");
        assertThat(created.headers().firstValue("Content-Type")).hasValue("application/json");
        assertNoRequestHeaderEchoed(created);
        JsonNode put = JSON.readTree(created.body());
        assertThat(put.get("route").asText()).isEqualTo("admin-put-instance");
        assertThat(put.get("instance").asText()).isEqualTo("loja");
        assertThat(put.get("ifMatch").asText()).isEqualTo("\"3\"");
        assertThat(put.get("changedBy").asText()).isEqualTo("maria");
        assertThat(put.get("body").asText()).isEqualTo("{\"enabled\":true}");

        HttpResponse<String> patched = send("PATCH", "/admin/instances/loja", ADMIN_TOKEN, "{\"enabled\":null}",
                "Content-Type", "application/merge-patch+json", "If-Match", "\"4\"");
        assertThat(patched.statusCode()).isEqualTo(200);
        JsonNode patch = JSON.readTree(patched.body());
        assertThat(patch.get("route").asText()).isEqualTo("admin-patch-instance");
        assertThat(patch.get("contentType").asText()).isEqualTo("application/merge-patch+json");
        assertThat(patch.get("body").asText()).isEqualTo("{\"enabled\":null}");
        assertThat(patch.get("ifMatch").asText()).isEqualTo("\"4\"");

        HttpResponse<String> deleted = send("DELETE", "/admin/instances/loja", ADMIN_TOKEN, null,
                "X-Stub-Status", "204", "X-Request-Probe", "probe-value");
        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(deleted.body()).isEmpty();
        assertNoRequestHeaderEchoed(deleted);

        Map<String, String> reads = Map.of("/admin/instances", "admin-list-instances",
                "/admin/instances/loja", "admin-get-instance", "/admin/instances/loja/history", "admin-instance-history");
        for (var read : reads.entrySet()) {
            HttpResponse<String> answer = send("GET", read.getKey(), ADMIN_TOKEN, null);
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(answer.body()).get("route").asText()).isEqualTo(read.getValue());
        }
        assertThat(JSON.readTree(send("GET", "/admin/instances/loja%20centro", ADMIN_TOKEN, null).body())
                .get("instance").asText()).isEqualTo("loja centro");
    }

    @Test
    void whatTheOperationsRoutesThrowBecomesTheirProblemAnswer() throws Exception {
        stubInstanceRoutes();
        startCamel();

        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("400", "{\"type\":\"about:blank\",\"title\":\"Bad Request\",\"status\":400,\"error\":\"bad_request\","
                + "\"detail\":\"stub says 400\"}");
        expected.put("404", "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,\"error\":\"not_found\","
                + "\"detail\":\"stub says 404\"}");
        expected.put("409", "{\"type\":\"about:blank\",\"title\":\"Conflict\",\"status\":409,\"error\":\"conflict\","
                + "\"detail\":\"stub says 409\"}");
        expected.put("412", "{\"type\":\"about:blank\",\"title\":\"Precondition Failed\",\"status\":412,"
                + "\"error\":\"precondition_failed\",\"detail\":\"stub says 412\"}");
        expected.put("503", "{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503,"
                + "\"error\":\"unavailable\",\"detail\":\"storage unavailable, retry later\"}");
        expected.put("500", "{\"type\":\"about:blank\",\"title\":\"Internal Server Error\",\"status\":500,"
                + "\"error\":\"internal_error\"}");
        for (var failure : expected.entrySet()) {
            for (String method : List.of("GET", "PUT", "PATCH", "DELETE")) {
                HttpResponse<String> answer = send(method, "/admin/instances/loja", ADMIN_TOKEN, "{}",
                        "Content-Type", "application/json", "X-Stub-Throw", failure.getKey(),
                        "X-Request-Probe", "probe-value");
                int status = Integer.parseInt(failure.getKey());
                assertThat(problem(answer, status).toString()).as(method + " " + status).isEqualTo(failure.getValue());
                assertNoRequestHeaderEchoed(answer);
                assertThat(answer.headers().firstValue("Retry-After")).as(method + " " + status)
                        .isEqualTo(status == 503 ? java.util.Optional.of("30") : java.util.Optional.empty());
            }
        }
    }

    // ---------------------------------------------------------------- paths and methods no verb takes

    @Test
    void unknownAdminPathsAre404AndOtherMethodsOfAKnownPath405AsProblemBodies() throws Exception {
        startCamel();

        for (String path : List.of("/admin", "/admin/", "/admin/nothing", "/admin/dead-letters/1/2/3",
                "/admin/conversations/loja", "/admin/instances/loja/history/1")) {
            for (String token : new String[] {ADMIN_TOKEN, null}) {
                HttpResponse<String> missing = send("GET", path, token, null, "X-Request-Probe", "probe-value");
                assertThat(problem(missing, 404).toString()).as(path).isEqualTo(
                        "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,\"error\":\"not_found\"}");
                assertNoRequestHeaderEchoed(missing);
            }
        }
        Map<String, String> wrongMethods = Map.of("DELETE /admin/dead-letters", "GET",
                "GET /admin/dead-letters/1/replay", "POST",
                "POST /admin/conversations/loja/5521987654321", "GET",
                "POST /admin/instances/loja", "DELETE, GET, PATCH, PUT",
                "PUT /admin/openapi.json", "GET");
        for (var wrong : wrongMethods.entrySet()) {
            String[] request = wrong.getKey().split(" ");
            HttpResponse<String> refused = send(request[0], request[1], ADMIN_TOKEN, "{}", "Content-Type", "application/json");
            assertThat(problem(refused, 405).toString()).as(wrong.getKey()).isEqualTo("{\"type\":\"about:blank\","
                    + "\"title\":\"Method Not Allowed\",\"status\":405,\"error\":\"method_not_allowed\"}");
            assertThat(refused.headers().firstValue("Allow")).as(wrong.getKey()).hasValue(wrong.getValue());
        }
        // A verb that takes the method but not the body's type (consumes), or whose JSON the caller does not accept.
        HttpResponse<String> textBody = send("PUT", "/admin/instances/loja", ADMIN_TOKEN, "enabled", "Content-Type", "text/plain");
        assertThat(problem(textBody, 415).toString()).isEqualTo("{\"type\":\"about:blank\",\"title\":\"Unsupported Media Type\","
                + "\"status\":415,\"error\":\"unsupported_media_type\",\"detail\":\"send the body as application/json\"}");
        problem(send("PATCH", "/admin/instances/loja", ADMIN_TOKEN, "{}"), 415);
        assertThat(problem(send("GET", "/admin/conversations", ADMIN_TOKEN, null, "Accept", "text/html"), 406)
                .get("error").asText()).isEqualTo("not_acceptable");
        assertThat(send("GET", "/admin/conversations", ADMIN_TOKEN, null, "Accept", "text/html, */*;q=0.8").statusCode())
                .isEqualTo(200);
        // Other paths keep Vert.x's answers.
        assertThat(send("GET", "/administrator", null, null).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/administrator", null, null).headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
    }

    @Test
    void aQueryStringCannotChangeAPathParameterOrARequestHeader() throws Exception {
        stubInstanceRoutes();
        startCamel();

        Map<String, String> refused = Map.of(
                "PUT /admin/instances/loja?instance=outra", "instance must be given once",
                "GET /admin/conversations/loja/5521987654321?contact=1", "contact must be given once",
                "PATCH /admin/instances/loja?If-Match=%223%22", "If-Match is a header, not a query parameter",
                "DELETE /admin/instances/loja?X-Changed-By=eve", "X-Changed-By is a header, not a query parameter",
                "GET /admin/conversations?state=idle&state=waiting", "state must be given once");
        for (var request : refused.entrySet()) {
            String[] r = request.getKey().split(" ");
            assertThat(problem(send(r[0], r[1], ADMIN_TOKEN, "{}", "Content-Type", "application/json"), 400)
                    .get("detail").asText()).as(request.getKey()).isEqualTo(request.getValue());
        }
        assertThat(getMockEndpoint("mock:stub-reached").getReceivedCounter()).isZero();
        // Without the token it is still a 401 first.
        problem(send("PUT", "/admin/instances/loja?instance=outra", null, "{}", "Content-Type", "application/json"), 401);
    }

    @Test
    void onceTheGatewayIsStoppingAnAdminPathNoRouteServesAnymoreIs503() throws Exception {
        startCamel();
        AdminFallbackProbe.stopping(context);
        context.getRouteController().stopRoute("rest-list-dead-letters");

        HttpResponse<String> gone = send("GET", "/admin/dead-letters", ADMIN_TOKEN, null);
        assertThat(problem(gone, 503).get("error").asText()).isEqualTo("unavailable");
        assertThat(gone.headers().firstValue("Retry-After")).hasValue("10");
        // Verbs still running answer as usual.
        assertThat(send("GET", "/admin/conversations", ADMIN_TOKEN, null).statusCode()).isEqualTo(200);
    }

    // ---------------------------------------------------------------- helpers

    /** Tells the fallback the context is stopping, as Camel does at the first step of a shutdown. */
    static final class AdminFallbackProbe {
        static void stopping(org.apache.camel.CamelContext camel) {
            camel.getRegistry().lookupByNameAndType("adminFallback", io.atende.admin.AdminFallback.class)
                    .notify(new org.apache.camel.spi.CamelEvent.CamelContextStoppingEvent() {
                        @Override
                        public org.apache.camel.CamelContext getContext() {
                            return camel;
                        }

                        @Override
                        public long getTimestamp() {
                            return 0;
                        }

                        @Override
                        public void setTimestamp(long timestamp) {
                        }
                    });
        }
    }

    /**
     * A test-only stand-in for the profiles' direct routes, in their place (this test is about the verbs' wiring; the
     * profile routes have their own tests), following the admin routes' pattern: http-errors, the token first, the
     * JSON answer's headers last. It echoes what reached it ({@code X-Stub-Status} sets the status,
     * {@code X-Stub-Throw} makes it fail with that status).
     */
    void stubInstanceRoutes() throws Exception {
        for (String route : INSTANCE_ROUTES) {
            advise(route, a -> a.replaceFromWith("direct:replaced-by-stub-" + route));
        }
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                for (String route : INSTANCE_ROUTES) {
                    from("direct:" + route).routeId("test-stub-" + route).setProperty("stubbed", constant(route))
                            .to(STUB);
                }
                from(STUB).routeId("test-stub-instance-operation").routeConfigurationId("http-errors")
                        .to("direct:authenticate-admin")
                        .to("mock:stub-reached")
                        .process(e -> {
                            String fail = e.getMessage().getHeader("X-Stub-Throw", String.class);
                            if (fail != null) {
                                throw failure(Integer.parseInt(fail));
                            }
                            ObjectNode echo = JSON.createObjectNode();
                            echo.put("route", e.getProperty("stubbed", String.class));
                            echo.put("instance", e.getMessage().getHeader("instance", String.class));
                            echo.put("ifMatch", e.getMessage().getHeader("If-Match", String.class));
                            echo.put("changedBy", e.getMessage().getHeader("X-Changed-By", String.class));
                            echo.put("contentType", e.getMessage().getHeader("Content-Type", String.class));
                            echo.put("body", e.getMessage().getBody(String.class));
                            e.setProperty("status", e.getMessage().getHeader("X-Stub-Status", "200", String.class));
                            e.getMessage().setBody(echo.toString());
                        })
                        .to("direct:admin-json-answer")
                        .setHeader("ETag", constant("\"4\""))
                        .setHeader("CamelHttpResponseCode", exchangeProperty("status"))
                        .filter(exchangeProperty("status").isEqualTo("204")).setBody(constant("")).end();
            }
        });
    }

    static RuntimeException failure(int status) {
        return switch (status) {
            case 503 -> new StoreUnavailableException(new SQLException("down: connection to 10.0.0.5 refused"));
            case 500 -> new IllegalStateException("boom in io.atende.profile");
            default -> new StubFailure(status);
        };
    }

    /** What a profile route throws for a 4xx: its answer is its own. */
    static final class StubFailure extends RuntimeException implements HttpFailure {
        private final int status;

        StubFailure(int status) {
            super("stub " + status);
            this.status = status;
        }

        @Override
        public HttpProblem problem() {
            String error = switch (status) {
                case 400 -> "bad_request";
                case 404 -> "not_found";
                case 409 -> "conflict";
                default -> "precondition_failed";
            };
            return HttpProblem.of(status, error, "stub says " + status);
        }
    }

    static OpenAPI parse(String json) {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result = new OpenAPIParser().readContents(json, null, options);
        assertThat(result.getMessages()).as("OpenAPI parse messages").isEmpty();
        assertThat(result.getOpenAPI()).isNotNull();
        return result.getOpenAPI();
    }

    /** "METHOD /path" to its operation. */
    static Map<String, Operation> operations(OpenAPI api) {
        Map<String, Operation> operations = new TreeMap<>();
        api.getPaths().forEach((path, item) -> item.readOperationsMap()
                .forEach((method, op) -> operations.put(method.name() + " " + path, op)));
        return operations;
    }

    static List<String> parameters(Operation op, String in) {
        List<String> names = new ArrayList<>();
        if (op.getParameters() != null) {
            for (Parameter p : op.getParameters()) {
                if (p.getIn().equals(in)) {
                    names.add(p.getName());
                }
            }
        }
        return names;
    }

    static void assertNoRequestHeaderEchoed(HttpResponse<String> response) {
        assertThat(response.headers().map().keySet()).doesNotContain("authorization", "x-request-probe", "user-agent",
                "if-match", "x-changed-by", "x-stub-status", "x-stub-throw", "host");
        assertThat(response.body()).doesNotContain(ADMIN_TOKEN).doesNotContain("probe-value");
    }

    HttpResponse<String> send(String method, String path, String token, String body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The problem+json body of an error answer with this status; never a stack trace or an exception's name. */
    static JsonNode problem(HttpResponse<String> response, int status) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("io.atende")
                .doesNotContain(ADMIN_TOKEN);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("status").asInt()).isEqualTo(status);
        return body;
    }
}

package io.atende.admin;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.servers.Server;
import org.apache.camel.CamelContext;
import org.apache.camel.model.rest.RestDefinition;
import org.apache.camel.openapi.BeanConfig;
import org.apache.camel.openapi.OpenApiHelper;
import org.apache.camel.openapi.RestOpenApiReader;
import org.apache.camel.openapi.RestOpenApiSupport;
import org.apache.camel.spi.RestConfiguration;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /admin/openapi.json}: the admin API's OpenAPI 3 document, read from the REST DSL of admin.camel.yaml
 * by camel-openapi-java, as its own {@code apiContextPath} endpoint would serve it.
 * <p>
 * That endpoint is not used: it is a route of its own which no route configuration reaches, so it cannot require the
 * admin token. The document is rendered here instead, behind {@code direct:authenticate-admin} like every other admin
 * operation, and each time it is asked for (routes reloaded in development show at once).
 */
public final class AdminOpenApi {

    private final CamelContext camel;

    public AdminOpenApi(CamelContext camel) {
        this.camel = camel;
    }

    /** The document as JSON. */
    public String document() throws Exception {
        RestConfiguration rest = camel.getRestConfiguration();
        Map<String, Object> properties = rest.getApiProperties() == null ? Map.of() : rest.getApiProperties();
        RestOpenApiSupport support = new RestOpenApiSupport();
        BeanConfig config = new BeanConfig();
        support.initOpenApi(config, properties);
        // A route reload (dev mode) adds the file's rest blocks to the model again and leaves the old ones there: the
        // latest block of each id is the one the verbs serve.
        Map<Object, RestDefinition> latest = new LinkedHashMap<>();
        for (RestDefinition r : support.getRestDefinitions(camel)) {
            if (r.getPath() != null && r.getPath().startsWith("/admin")) {
                latest.put(r.getId() == null ? new Object() : r.getId(), r);
            }
        }
        List<RestDefinition> admin = List.copyOf(latest.values());
        OpenAPI api = new RestOpenApiReader().read(camel, admin, config, camel.getName(), camel.getClassResolver());
        if (!rest.isApiVendorExtension()) {
            OpenApiHelper.clearVendorExtensions(api);
        }
        // The paths are whole (/admin/...) and relative to wherever the caller reached the gateway; without a host
        // the reader would name the server "http://null".
        api.setServers(List.of(new Server().url("/")));
        // Each rest block of admin.camel.yaml requires the admin token; the document says it once.
        if (api.getSecurity() != null) {
            api.setSecurity(new ArrayList<>(new LinkedHashSet<>(api.getSecurity())));
        }
        return RestOpenApiSupport.getJsonFromOpenAPIAsString(api, config);
    }
}

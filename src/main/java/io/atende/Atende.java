package io.atende;

import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

/**
 * Starts the gateway: camel-main with the YAML routes under classpath:routes and the beans of
 * {@link AtendeConfiguration} (no classpath scanning, so the configuration runs exactly once).
 */
public final class Atende extends Main {

    public Atende() {
        configure().addConfiguration(AtendeConfiguration.class);
    }

    @Override
    protected CamelContext createCamelContext() {
        CamelContext context = super.createCamelContext();
        // application.properties holds Brazilian-Portuguese defaults (prompt, notices): read it as UTF-8.
        context.getPropertiesComponent().setEncoding("UTF-8");
        return context;
    }

    public static void main(String[] args) throws Exception {
        new Atende().run(args);
    }
}

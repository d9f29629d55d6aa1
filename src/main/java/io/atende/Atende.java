package io.atende;

import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;
import org.apache.camel.spi.CliConnector;
import org.apache.camel.spi.CliConnectorFactory;

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
        // The Camel CLI connector (camel get / camel top from Camel JBang) collects the status of every route and
        // processor once a second, whatever the load: half of the Java CPU samples in a bench profile (issue 4).
        // Development only, so off unless ATENDE_CAMEL_CLI=true. Read here because it must be decided before
        // the context initialises, earlier than application.properties is applied.
        if (!Boolean.parseBoolean(System.getenv().getOrDefault("ATENDE_CAMEL_CLI", "false").strip())) {
            CliConnectorFactory off = new DisabledCliConnector();
            context.getRegistry().bind("atendeCliConnectorFactory", off);
            context.getCamelContextExtension().addContextPlugin(CliConnectorFactory.class, off);
        }
        return context;
    }

    /** Takes the place of camel-cli-connector's factory, so that no connector is started. */
    private static final class DisabledCliConnector implements CliConnectorFactory {
        private String runtime;
        private String runtimeVersion;
        private String runtimeStartClass;

        @Override
        public void setEnabled(boolean enabled) {
            // stays off: ATENDE_CAMEL_CLI=true is the way to turn the connector on
        }

        @Override
        public boolean isEnabled() {
            return false;
        }

        @Override
        public void setRuntime(String runtime) {
            this.runtime = runtime;
        }

        @Override
        public String getRuntime() {
            return runtime;
        }

        @Override
        public void setRuntimeVersion(String runtimeVersion) {
            this.runtimeVersion = runtimeVersion;
        }

        @Override
        public String getRuntimeVersion() {
            return runtimeVersion;
        }

        @Override
        public void setRuntimeStartClass(String runtimeStartClass) {
            this.runtimeStartClass = runtimeStartClass;
        }

        @Override
        public String getRuntimeStartClass() {
            return runtimeStartClass;
        }

        @Override
        public CliConnector createConnector() {
            return null;
        }
    }

    public static void main(String[] args) throws Exception {
        new Atende().run(args);
    }
}

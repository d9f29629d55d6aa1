package io.atende;

import org.apache.camel.main.Main;

/** Starts the gateway: camel-main with the YAML routes under classpath:routes and the beans of {@link AtendeConfiguration} (no classpath scanning, so the configuration runs once). */
public final class Atende {

    private Atende() {
    }

    public static void main(String[] args) throws Exception {
        Main main = new Main();
        main.configure().addConfiguration(AtendeConfiguration.class);
        main.run(args);
    }
}

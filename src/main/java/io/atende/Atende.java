package io.atende;

import io.atende.admin.AdminConfiguration;
import io.atende.conversation.ConversationConfiguration;
import io.atende.conversation.StartupRecovery;
import io.atende.ingest.IngestConfiguration;
import io.atende.llm.LlmConfiguration;
import io.atende.painel.PainelConfiguration;
import io.atende.profile.ProfileConfiguration;
import io.atende.reply.ReplyConfiguration;
import io.atende.speech.SpeechConfiguration;
import io.atende.store.StoreConfiguration;
import io.atende.support.SupportConfiguration;
import io.atende.transport.TransportConfiguration;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

import java.util.List;

/** Starts the gateway: camel-main with the YAML routes and the beans of {@link #configurations()}. */
public final class Atende extends Main {

    public Atende() {
        configurations().forEach(configure()::addConfiguration);
    }

    /**
     * The beans the routes use, each made by a factory method of one of these (one per stage of the pipeline).
     * Instances, not class names: camel-main post-processes a configuration it instantiates itself twice, which would
     * run the factories that act at startup (the database, crash recovery) twice. {@link StartupRecovery} comes last:
     * it runs before any route starts and needs the others' beans.
     */
    public static List<CamelConfiguration> configurations() {
        return List.of(new SupportConfiguration(), new StoreConfiguration(), new ProfileConfiguration(), new LlmConfiguration(),
                new IngestConfiguration(), new ConversationConfiguration(), new ReplyConfiguration(),
                new SpeechConfiguration(), new AdminConfiguration(), new PainelConfiguration(), new TransportConfiguration(), new StartupRecovery());
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

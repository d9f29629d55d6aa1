package io.atende.ops;

import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OllamaFixture;
import io.atende.support.AtendeRunner;
import io.atende.support.Http;
import io.atende.support.Payloads;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The backup and restore procedure of docs/operations.md, with the real tools: the production backup script
 * (infra/backup/backup.sh, pg_dump) dumps one PostgreSQL server after real conversations, pg_restore loads the dump
 * into a second, empty server, and a gateway started on the restored database continues the conversation with
 * its history.
 */
class BackupRestoreE2ETest {

    static final String JID = "5541933330001@s.whatsapp.net";

    @TempDir
    Path work;

    @Test
    void historySurvivesDumpAndRestoreIntoAnotherServer() throws Exception {
        Path psql = Tools.require("psql", "postgresql-client");
        Path pgRestore = Tools.require("pg_restore", "postgresql-client");
        Tools.require("pg_dump", "postgresql-client");
        Path backups = Files.createDirectories(work.resolve("backups"));

        try (EmbeddedPostgres source = EmbeddedPostgres.builder().start();
             EmbeddedPostgres target = EmbeddedPostgres.builder().start();
             OllamaFixture ollama = OllamaFixture.start();
             EvolutionFixture evolution = EvolutionFixture.start("k")) {
            exec(source, "postgres", "create database atende");

            // 1. Two answered turns on the source server.
            try (AtendeRunner app = gateway(source, ollama, evolution, "a")) {
                post(app, "3ABKP0000000000000001", "meu pedido 123 chegou?");
                await().atMost(Duration.ofSeconds(30)).until(() -> evolution.sent().size() == 1);
                post(app, "3ABKP0000000000000002", "e o prazo de troca?");
                await().atMost(Duration.ofSeconds(30)).until(() -> evolution.sent().size() == 2);
            }

            // 2. The backup service's script, one round.
            Tools.Result dump = Tools.run(work, Map.of(
                            "PGHOST", "localhost", "PGPORT", String.valueOf(source.getPort()), "PGUSER", "postgres",
                            "BACKUP_DIR", backups.toString(), "BACKUP_ONCE", "1"),
                    List.of("sh", Tools.repo().resolve("infra/backup/backup.sh").toString()));
            assertThat(dump.exitCode()).as(dump.output()).isZero();
            Path file;
            try (Stream<Path> files = Files.list(backups)) {
                file = files.filter(p -> p.getFileName().toString().matches("atende-\\d{8}T\\d{6}Z\\.dump"))
                        .findFirst().orElseThrow(() -> new AssertionError("no atende dump in " + dump.output()));
            }
            assertThat(Files.exists(backups.resolve(".last-success"))).isTrue();

            // 3. Restore, as docs/operations.md says: create the database, pg_restore into it.
            Map<String, String> env = Map.of("PGHOST", "localhost", "PGPORT", String.valueOf(target.getPort()),
                    "PGUSER", "postgres");
            Tools.Result create = Tools.run(work, env, List.of(psql.toString(), "-X", "-v", "ON_ERROR_STOP=1",
                    "-d", "postgres", "-c", "create database atende"));
            assertThat(create.exitCode()).as(create.output()).isZero();
            Tools.Result restore = Tools.run(work, env, List.of(pgRestore.toString(), "--clean", "--if-exists",
                    "--no-owner", "--exit-on-error", "-d", "atende", file.toString()));
            assertThat(restore.exitCode()).as(restore.output()).isZero();

            for (String table : List.of("messages", "conversations", "instances", "delivery_attempts",
                    "flyway_schema_history")) {
                assertThat(count(target, table)).as(table).isEqualTo(count(source, table)).isPositive();
            }

            // 4. A gateway on the restored server remembers the conversation.
            try (AtendeRunner app = gateway(target, ollama, evolution, "b")) {
                int before = ollama.calls().size();
                post(app, "3ABKP0000000000000003", "obrigado!");
                await().atMost(Duration.ofSeconds(30)).until(() -> evolution.sent().size() == 3);
                OllamaFixture.ChatCall call = ollama.calls().get(before);
                List<String> contents = call.messages().stream().map(OllamaFixture.Msg::content).toList();
                assertThat(contents).contains("meu pedido 123 chegou?", "Resposta: meu pedido 123 chegou?",
                        "e o prazo de troca?", "Resposta: e o prazo de troca?");
                // A message stored before the backup is still known: its Evolution retry is a duplicate.
                var again = Http.post(app.baseUrl() + "/webhooks/evolution", payload("3ABKP0000000000000001", "x"),
                        "Authorization", "Bearer t");
                assertThat(again.body()).contains("duplicate");
            }
        }
    }

    AtendeRunner gateway(EmbeddedPostgres db, OllamaFixture ollama, EvolutionFixture evolution, String dir)
            throws Exception {
        return new AtendeRunner()
                .database(db.getJdbcUrl("postgres", "atende"), Files.createDirectories(work.resolve(dir)))
                .set("atende.webhook.token", "t")
                .set("atende.ollama.base-url", ollama.baseUrl())
                .set("atende.evolution.base-url", evolution.baseUrl())
                .set("atende.evolution.api-key", "k")
                .start();
    }

    static String payload(String id, String text) {
        return Payloads.fixture("01-text-conversation.json").instance("loja").id(id).remoteJid(JID).remoteJidAlt(JID)
                .text(text).json();
    }

    static void post(AtendeRunner app, String id, String text) {
        var ack = Http.post(app.baseUrl() + "/webhooks/evolution", payload(id, text), "Authorization", "Bearer t");
        assertThat(ack.statusCode()).as(ack.body()).isEqualTo(200);
    }

    static void exec(EmbeddedPostgres pg, String db, String sql) throws Exception {
        try (Connection c = pg.getDatabase("postgres", db).getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    static long count(EmbeddedPostgres pg, String table) throws Exception {
        try (Connection c = pg.getDatabase("postgres", "atende").getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select count(*) from " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}

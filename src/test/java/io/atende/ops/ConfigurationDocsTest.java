package io.atende.ops;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Every environment variable application.properties reads is in the README's configuration table and in .env.example. */
class ConfigurationDocsTest {

    static Set<String> variablesRead() throws Exception {
        String properties = Files.readString(Tools.repo().resolve("src/main/resources/application.properties"));
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("\\{\\{env:([A-Z0-9_]+)").matcher(properties);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    @Test
    void theReadmeTableNamesEverySetting() throws Exception {
        String readme = Files.readString(Tools.repo().resolve("README.md"));
        Set<String> inTable = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^\\| `([A-Z0-9_]+)` \\|").matcher(readme);
        while (m.find()) {
            inTable.add(m.group(1));
        }
        assertThat(variablesRead()).isNotEmpty().contains("ATENDE_LLM_PROVIDER", "OPENAI_BASE_URL");
        assertThat(inTable).containsAll(variablesRead());
    }

    @Test
    void envExampleNamesEverySetting() throws Exception {
        String example = Files.readString(Tools.repo().resolve(".env.example"));
        Set<String> documented = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^#?\\s*([A-Z0-9_]+)[= (]").matcher(example);
        while (m.find()) {
            documented.add(m.group(1));
        }
        assertThat(documented).containsAll(variablesRead());
    }
}

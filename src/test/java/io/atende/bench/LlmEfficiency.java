package io.atende.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The llm-efficiency phase (issue 15): does the gateway's prompt layout and cache affinity get more replies out of one
 * CPU slot? Two gateway runs in the same bench, against the LLM simulator with its prompt-cache model on
 * ({@link PromptCache}):
 *
 * <ul>
 * <li><b>old</b>: today's prompt ({@code ATENDE_PROMPT_TEMPLATE=chat}: {@code /api/chat}, which Ollama renders with
 * Mistral's template, the system prompt in the last {@code [INST]}), {@code ATENDE_CACHE_AFFINITY=false},
 * {@code ATENDE_HISTORY_BLOCK=1} (the sliding window);</li>
 * <li><b>new</b>: the gateway's defaults (mistral-family models through raw {@code /api/generate} with the system
 * prompt first, cache affinity on, history in blocks), {@code ATENDE_CACHE_AFFINITY_MAX_WAIT_S} divided by the
 * compression.</li>
 * </ul>
 *
 * Each run: {@code instances} numbers, each with its own profile of about {@code eff-profile-tokens} tokens (persona
 * and facts) set through {@code PUT /admin/instances/{instance}}; {@code customers} customers per number, each a
 * closed loop of {@code eff-exchanges-min} to {@code eff-exchanges-max} exchanges with think times, first messages
 * spread over {@code eff-start-spread-s}; then, on the same gateway, two open-loop sub-phases at
 * {@code eff-fairness-load} of the run's own capacity, without and with the customers of loja-00 sending
 * {@code eff-flood-factor} times faster. Every duration of the simulator, the customers and the gateway's timers is
 * divided by {@code eff-compression}; the report converts back to simulated seconds.
 */
final class LlmEfficiency {

    static final String PREFIX = "llm-efficiency-";
    private static final ObjectMapper JSON = new ObjectMapper();

    private LlmEfficiency() {
    }

    static void run(BenchConfig cfg, Ledger ledger, Analysis a, OllamaSim ollama, EvolutionSim evolution)
            throws Exception {
        boolean cacheBefore = cfg.prefixCache;
        double normal = cfg.compression;
        double c = cfg.effCompression;
        cfg.prefixCache = true;
        int debounce = (int) Math.round(cfg.debounceMs / c);
        int debounceMax = (int) Math.round(10_000 / c);
        int poll = (int) Math.max(10, Math.round(250 / c));
        // the gateway's default bound (60 s), or -Dbench.affinity-max-wait-s to try another
        double boundS = Double.parseDouble(System.getProperty("bench.affinity-max-wait-s", "60"));
        String maxWait = String.format(Locale.ROOT, "%.3f", boundS / c);
        List<String[]> profiles = profiles(cfg.instances, cfg.effProfileTokens);
        Map<String, Object> settings = CapacityBench.map();
        a.note("llm_efficiency_compression", c);
        try {
            for (String run : cfg.effRuns.split(",")) {
                run = run.trim();
                boolean old = run.equals("old");
                Map<String, String> env = new LinkedHashMap<>();
                env.put("OLLAMA_MODEL", "mistral");
                env.put("ATENDE_HISTORY_TURNS", "10");
                env.put("ATENDE_LLM_MAX_REPLY_TOKENS", "512");
                env.put("ATENDE_DEBOUNCE_MS", String.valueOf(debounce));
                env.put("ATENDE_DEBOUNCE_MAX_MS", String.valueOf(debounceMax));
                env.put("ATENDE_DISPATCH_POLL_MS", String.valueOf(poll));
                // The queue-position notice would fire on compressed waits at its real threshold: kept out (it is a
                // sendText without an LLM call, so it changes no figure here).
                env.put("ATENDE_BUSY_NOTICE_S", "1000000");
                if (old) {
                    env.put("ATENDE_PROMPT_TEMPLATE", "chat");
                    env.put("ATENDE_CACHE_AFFINITY", "false");
                    env.put("ATENDE_HISTORY_BLOCK", "1");
                } else {
                    env.put("ATENDE_CACHE_AFFINITY_MAX_WAIT_S", maxWait);
                }
                settings.put(run, new LinkedHashMap<>(env));
                String gwRun = "eff-" + run;
                try (GatewayProcess gw = new GatewayProcess(cfg, gwRun, ollama.baseUrl(), evolution.baseUrl(), env)) {
                    gw.awaitReady(Duration.ofSeconds(180));
                    Driver driver = new Driver(ledger, gw.baseUrl(), gw.token);
                    a.gatewayStarted(gwRun, gw, debounce, debounceMax);
                    putProfiles(gw, profiles);
                    CapacityBench.warmUp(cfg, ledger, driver, "warmup-" + gwRun, 3);
                    ollama.cache.clear(); // each run starts against an empty Ollama
                    cfg.compression = c;
                    String phase = PREFIX + run;
                    a.phase(phase, gw, () -> conversations(cfg, ledger, driver, phase));
                    if (cfg.effFairnessSeconds > 0) {
                        double service = a.medianServiceSeconds(phase);
                        a.note("llm_efficiency_" + run + "_fairness_service_time_s", service);
                        a.phase(phase + "-fair-base", gw, () -> openLoop(cfg, driver, phase + "-fair-base", 5000, service, 1));
                        a.phase(phase + "-fair-flood", gw,
                                () -> openLoop(cfg, driver, phase + "-fair-flood", 6000, service, cfg.effFloodFactor));
                    }
                    cfg.compression = normal;
                    a.gatewayStopped(gwRun, gw);
                }
            }
        } finally {
            cfg.compression = normal;
            cfg.prefixCache = cacheBefore;
            a.note("llm_efficiency_gateway_env", settings);
        }
    }

    /**
     * Closed loop: each customer (its own seed, the same in both runs) waits a uniform draw of the start spread, then
     * sends a message, waits for the reply, thinks, and goes again, 4 to 6 times.
     */
    private static void conversations(BenchConfig cfg, Ledger ledger, Driver driver, String phase) throws Exception {
        double c = cfg.compression;
        CapacityBench.log(phase + ": " + cfg.instances + " numbers x " + cfg.customers + " customers, "
                + cfg.effExchangesMin + "-" + cfg.effExchangesMax + " exchanges, compression " + c);
        CapacityBench.inParallel("eff-customer", cfg.instances * cfg.customers, k -> {
            int inst = k / cfg.customers, cust = 7000 + k % cfg.customers;
            Random rnd = new Random(CapacityBench.mix(cfg.effSeed, k));
            int exchanges = cfg.effExchangesMin + rnd.nextInt(cfg.effExchangesMax - cfg.effExchangesMin + 1);
            sleepSimulated(rnd.nextDouble() * cfg.effStartSpreadS, c);
            for (int e = 0; e < exchanges; e++) {
                Ledger.Sent s = driver.post(phase, inst, cust);
                ledger.awaitAnswer(s.marker, (long) (cfg.drainTimeoutS * 1000));
                if (e < exchanges - 1) {
                    sleepSimulated(cfg.effThinkMinS + rnd.nextDouble() * (cfg.effThinkMaxS - cfg.effThinkMinS), c);
                }
            }
        });
    }

    /**
     * Open loop for {@code eff-fairness-s} real seconds: every customer sends at Poisson times, together loading the
     * slot to {@code eff-fairness-load} of this run's capacity ({@code serviceS}: the closed loop's median slot time,
     * real seconds); loja-00's customers {@code factor} times faster.
     */
    private static void openLoop(BenchConfig cfg, Driver driver, String phase, int firstCustomer, double serviceS,
                                 int factor) throws Exception {
        double perCustomer = cfg.effFairnessLoad / (serviceS * cfg.instances * cfg.customers);
        CapacityBench.log(phase + ": " + String.format(Locale.ROOT, "%.4f", perCustomer)
                + " msg/s per customer (real), loja-00 x" + factor);
        long end = System.nanoTime() + (long) (cfg.effFairnessSeconds * 1e9);
        CapacityBench.inParallel("eff-open", cfg.instances * cfg.customers, k -> {
            int inst = k / cfg.customers, cust = firstCustomer + k % cfg.customers;
            double rate = perCustomer * (inst == 0 ? factor : 1);
            Random rnd = new Random(CapacityBench.mix(cfg.effSeed + firstCustomer, k));
            while (true) {
                long gap = (long) (-Math.log(1 - rnd.nextDouble()) / rate * 1e9);
                if (System.nanoTime() + gap > end) {
                    return;
                }
                Thread.sleep(gap / 1_000_000, (int) (gap % 1_000_000));
                driver.post(phase, inst, cust);
            }
        });
    }

    private static void sleepSimulated(double seconds, double compression) throws InterruptedException {
        long ns = (long) (seconds * 1e9 / compression);
        Thread.sleep(ns / 1_000_000, (int) (ns % 1_000_000));
    }

    // ------------------------------------------------------------------ profiles

    /** PUT /admin/instances/{instance} for each number: displayName, systemPrompt (persona) and facts. */
    private static void putProfiles(GatewayProcess gw, List<String[]> profiles) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        for (int i = 0; i < profiles.size(); i++) {
            String[] p = profiles.get(i);
            ObjectNode body = JSON.createObjectNode().put("displayName", p[0]).put("systemPrompt", p[1])
                    .put("facts", p[2]);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                            URI.create(gw.baseUrl() + "/admin/instances/" + Driver.instanceName(i)))
                    .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer bench-admin")
                    .header("Content-Type", "application/json").header("X-Changed-By", "capacity-bench")
                    .PUT(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200 && r.statusCode() != 201) {
                throw new IllegalStateException("PUT /admin/instances/" + Driver.instanceName(i) + " answered "
                        + r.statusCode() + ": " + r.body());
            }
        }
        CapacityBench.log("profiles set for " + profiles.size() + " numbers through the admin API");
    }

    private static final String[][] SHOPS = {
            {"Padaria Pão Dourado", "padaria", "pães, bolos, salgados e encomendas para festas", "Campinas"},
            {"Pet Shop Amigo Fiel", "pet shop", "ração, banho e tosa, acessórios e consultas veterinárias", "Sorocaba"},
            {"Farmácia Vida Leve", "farmácia de manipulação", "fórmulas manipuladas, dermocosméticos e vitaminas", "Santos"},
            {"Auto Center Roda Viva", "oficina mecânica", "revisão, troca de óleo, freios, suspensão e alinhamento", "Jundiaí"},
            {"Salão Bela Flor", "salão de beleza", "corte, coloração, escova, manicure e design de sobrancelhas", "Ribeirão Preto"},
            {"Casa & Obra Materiais", "loja de materiais de construção", "cimento, tintas, pisos, ferragens e hidráulica", "Piracicaba"},
            {"Floricultura Jardim Secreto", "floricultura", "buquês, arranjos, cestas de café da manhã e coroas", "Bauru"},
            {"Ótica Visão Clara", "ótica", "óculos de grau, lentes de contato, óculos de sol e exame de vista", "São José dos Campos"},
            {"Livraria Página Nova", "livraria", "livros, material escolar, papelaria e encomendas de títulos", "Londrina"},
            {"Cell Center Conecta", "loja de celulares", "celulares, capas, películas, carregadores e assistência técnica", "Uberlândia"}};

    private static final String[] STREETS = {"Rua das Palmeiras", "Avenida Brasil", "Rua XV de Novembro",
            "Rua Sete de Setembro", "Avenida Independência", "Rua Dom Pedro II", "Rua Barão de Jaguara",
            "Avenida Santos Dumont", "Rua José Bonifácio", "Rua Tiradentes"};
    private static final String[] NEIGHBOURHOODS = {"Centro", "Jardim América", "Vila Nova", "Cambuí", "Taquaral",
            "Jardim Europa", "Vila Mariana", "Bosque", "Castelo", "Santa Cruz", "Parque Industrial", "Cidade Alta"};
    private static final String[] ITEMS = {"kit", "pacote", "combo", "unidade", "caixa", "serviço", "plano",
            "modelo", "tamanho P", "tamanho M", "tamanho G", "versão premium"};

    /**
     * One profile per number: {displayName, persona (systemPrompt), facts}, persona and facts together about
     * {@code tokens} tokens of 4 chars, all different between numbers, the same on every run (seeded by the number).
     */
    static List<String[]> profiles(int numbers, int tokens) {
        List<String[]> out = new ArrayList<>();
        for (int n = 0; n < numbers; n++) {
            String[] shop = SHOPS[n % SHOPS.length];
            String name = shop[0] + (n < SHOPS.length ? "" : " " + (n / SHOPS.length + 1));
            Random rnd = new Random(CapacityBench.mix(4242, n));
            String persona = "Você é a Ana, atendente virtual da " + name + ", uma " + shop[1] + " em " + shop[3]
                    + " que trabalha com " + shop[2] + ". Converse pelo WhatsApp como uma pessoa simpática da loja: "
                    + "trate o cliente por você, responda em português do Brasil, em no máximo três frases curtas, "
                    + "sem listas longas. Use só as informações do negócio abaixo; se a resposta não estiver nelas, "
                    + "diga que vai confirmar com a equipe e que um atendente humano continua a conversa. Nunca "
                    + "invente preços, prazos, estoque ou promoções, e não peça dados de cartão pelo chat.";
            StringBuilder f = new StringBuilder();
            int open = 7 + rnd.nextInt(3), close = 17 + rnd.nextInt(4);
            f.append("- Endereço: ").append(STREETS[rnd.nextInt(STREETS.length)]).append(", ")
                    .append(100 + rnd.nextInt(1900)).append(", ").append(NEIGHBOURHOODS[rnd.nextInt(NEIGHBOURHOODS.length)])
                    .append(", ").append(shop[3]).append(".\n");
            f.append("- Horário: segunda a sexta das ").append(open).append("h às ").append(close)
                    .append("h; sábado das ").append(open + 1).append("h às 13h; domingos e feriados fechado.\n");
            f.append("- Pagamento: pix (chave CNPJ ").append(String.format(Locale.ROOT, "%02d.%03d.%03d/0001-%02d",
                    rnd.nextInt(100), rnd.nextInt(1000), rnd.nextInt(1000), rnd.nextInt(100)))
                    .append("), cartão de débito e crédito em até ").append(2 + rnd.nextInt(5))
                    .append("x sem juros acima de R$ ").append(100 + 50 * rnd.nextInt(6)).append(", e dinheiro.\n");
            f.append("- Entrega: taxa de R$ ").append(5 + rnd.nextInt(10)).append(",00 até 5 km e R$ ")
                    .append(15 + rnd.nextInt(10)).append(",00 até 10 km; grátis acima de R$ ")
                    .append(150 + 50 * rnd.nextInt(5)).append("; pedidos até as ").append(close - 3)
                    .append("h saem no mesmo dia.\n");
            f.append("- Trocas: em até ").append(7 + rnd.nextInt(24))
                    .append(" dias com a nota fiscal; produtos com defeito têm garantia conforme o Código de Defesa do "
                            + "Consumidor.\n");
            f.append("- Telefone fixo para urgências: (").append(11 + rnd.nextInt(80)).append(") 3")
                    .append(100 + rnd.nextInt(900)).append("-").append(1000 + rnd.nextInt(9000)).append(".\n");
            f.append("- Preços (").append(shop[2]).append("):\n");
            String[] kinds = shop[2].split(", | e ");
            int target = tokens * PromptCache.CHARS_PER_TOKEN - persona.length();
            for (int k = 0; f.length() < target; k++) {
                String kind = kinds[k % kinds.length];
                String item = ITEMS[rnd.nextInt(ITEMS.length)];
                f.append("  - ").append(kind).append(", ").append(item).append(": R$ ").append(10 + rnd.nextInt(290))
                        .append(",").append(rnd.nextBoolean() ? "90" : "00").append(rnd.nextInt(4) == 0
                                ? " (sob encomenda, prazo de " + (2 + rnd.nextInt(6)) + " dias úteis)" : "").append("\n");
            }
            out.add(new String[]{name, persona, f.toString().strip()});
        }
        return out;
    }
}

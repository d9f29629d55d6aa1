package io.atende.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Painel in a real browser: Debian's Chromium, headless, at a phone's width (390×844), against the real gateway,
 * embedded PostgreSQL and the Evolution and Ollama stand-ins. Skipped, with a message, when chromium or chromedriver
 * is missing ({@code .ci/run} installs them). With {@code -Dpainel.screenshots=docs/painel} it also writes a screenshot
 * of each page there.
 */
class PainelBrowserE2ETest {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final String XSS_SCRIPT = "<script>window.xss=1</script>";
    static final String XSS_IMG = "<img src=x onerror=window.xss=1>";

    @TempDir
    static Path dataDir;

    static PainelStand stand;
    static Path chromium;
    static Path chromedriver;

    WebDriver browser;
    WebDriverWait wait;

    @BeforeAll
    static void start() {
        chromium = onPath("chromium").orElse(null);
        chromedriver = onPath("chromedriver").orElse(null);
        if (chromium == null || chromedriver == null) {
            return; // each test then reports itself skipped, with the reason
        }
        stand = new PainelStand(dataDir);
        stand.conversation("loja", PainelStand.LOJA_PHONE, XSS_SCRIPT);
        stand.conversation("loja", PainelStand.LOJA_PHONE, XSS_IMG);
        stand.conversation("outra", PainelStand.OUTRA_PHONE, "quero um orçamento da outra loja");
        // a customer who asks for a human: the list shows who waits, and for how long
        stand.conversation("loja", "5521955554444", "quero falar com um atendente, por favor");
    }

    @AfterAll
    static void stop() {
        if (stand != null) {
            stand.close();
        }
    }

    @BeforeEach
    void openBrowser() {
        Assumptions.assumeTrue(chromium != null && chromedriver != null,
                "Skipping the Painel's browser test: chromium and chromedriver are not installed "
                        + "(apt-get install chromium chromium-driver; .ci/run does it)");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--lang=pt-BR", "--window-size=390,844");
        // A phone: 390×844 CSS pixels, as an iPhone 12-15 shows the page
        options.setExperimentalOption("mobileEmulation", Map.of("deviceMetrics",
                Map.of("width", 390, "height", 844, "pixelRatio", 2.0)));
        // The driver is Debian's, named explicitly: Selenium Manager must not try to download one
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(chromedriver.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, WAIT);
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void signInAndSignOut() {
        browser.get(stand.url("/painel"));
        visible("v-entrar");
        type("token", "not-the-token-at-all");
        browser.findElement(By.cssSelector("#f-entrar button[type=submit]")).click();
        wait.until(ExpectedConditions.textToBe(By.id("erro-entrar"), "Token inválido."));

        signIn(PainelStand.ADMIN);
        assertThat(browser.findElement(By.id("quem")).getText()).isEqualTo("Administrador");
        assertThat(browser.findElement(By.id("c-numero")).isDisplayed()).as("the admin picks a number").isTrue();

        browser.findElement(By.id("sair")).click();
        visible("v-entrar");
        assertThat(fetchStatus("GET", "/painel/api/me", false)).as("the session is over").isEqualTo(401);
        browser.navigate().refresh();
        visible("v-entrar");
        assertThat(browser.findElement(By.id("abas")).isDisplayed()).isFalse();
    }

    @Test
    void anOperatorDoesNotSeeAnotherNumberAndCustomerTextStaysText() {
        signIn(PainelStand.LOJA_TOKEN);
        assertThat(browser.findElement(By.id("quem")).getText()).isEqualTo("Atendente · loja");
        browser.findElement(By.cssSelector("[data-filtro=todas]")).click();
        // the first filter's list may still be on screen: wait for this one's
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("lista"), "5521*******21"));
        String list = browser.findElement(By.id("lista")).getText();
        assertThat(list).contains("5521*******21").doesNotContain("5511*******78").doesNotContain("outra");
        assertThat(browser.findElement(By.id("c-numero")).isDisplayed()).isFalse();
        screenshot("conversas");

        browser.get(stand.url("/painel#/conversa/" + stand.conversationId("outra", PainelStand.OUTRA_PHONE)));
        wait.until(ExpectedConditions.textToBe(By.id("aviso"), "Conversa não encontrada."));
        assertThat(browser.findElement(By.id("mensagens")).getText()).doesNotContain("orçamento");

        browser.get(stand.url("/painel#/conversa/" + stand.conversationId("loja", PainelStand.LOJA_PHONE)));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("mensagens"), XSS_IMG));
        String transcript = browser.findElement(By.id("mensagens")).getText();
        assertThat(transcript).contains(XSS_SCRIPT).contains(XSS_IMG);
        assertThat(browser.findElements(By.cssSelector("#mensagens img, #mensagens script"))).isEmpty();
        assertThat(js("return typeof window.xss")).isEqualTo("undefined");
        assertThat(browser.findElement(By.id("cv-contato")).getText()).isEqualTo("5521*******21");
    }

    @Test
    void aTakeoverSilencesTheBotOnWhatsAppAndAResumeBringsItBack() {
        String phone = "55219" + (10_000_000 + (int) (Math.random() * 89_999_999));
        stand.conversation("loja", phone, "oi, qual o preço do bolo?");
        signIn(PainelStand.LOJA_TOKEN);
        browser.get(stand.url("/painel#/conversa/" + stand.conversationId("loja", phone)));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("cv-estado"), "com o robô"));

        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("cv-minutos"))).selectByValue("60");
        browser.findElement(By.id("cv-pausar")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("cv-estado"), "pausada pelo painel"));
        assertThat(browser.findElement(By.id("cv-estado")).getText()).contains("robô volta em");
        screenshot("conversa");

        int answered = stand.sentTo(phone).size();
        assertThat(stand.customer("loja", phone, "tem alguém aí?")).as("held while paused").contains("held");
        String resumedText = "voltei, quanto custa? " + UUID.randomUUID();
        browser.findElement(By.id("cv-retomar")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("cv-estado"), "com o robô"));
        assertThat(stand.sentTo(phone)).as("nothing was sent while paused").hasSize(answered);

        assertThat(stand.customer("loja", phone, resumedText)).contains("accepted");
        await().atMost(WAIT).until(() -> stand.sentTo(phone).stream()
                .anyMatch(s -> s.text().startsWith("Resposta: ") && s.text().endsWith(resumedText)));
    }

    @Test
    void aProfileEditShowsTheApisMessageNextToTheFieldThenSaves() {
        String number = "padaria-" + UUID.randomUUID().toString().substring(0, 8);
        String token = "operador-padaria-" + UUID.randomUUID();
        stand.admin("PUT", "/admin/instances/" + number, "{\"displayName\":\"Padaria Pão Quente\",\"operatorToken\":\""
                + token + "\",\"facts\":\"Pão francês sai às 7h.\"}");
        signIn(token);
        browser.findElement(By.cssSelector("#abas a[data-aba=numero]")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("n-displayName"), "value", "Padaria Pão Quente"));

        type("n-dia-mon", "9h às 18h");
        browser.findElement(By.cssSelector("#f-numero button[type=submit]")).click();
        By monError = By.cssSelector(".campo[data-campo='hours.weekly.mon'] > .erro");
        wait.until(d -> !d.findElement(monError).getText().isBlank());
        assertThat(browser.findElement(By.cssSelector(".campo[data-campo='hours.weekly.mon']")).getAttribute("class"))
                .contains("invalido");
        assertThat(browser.findElement(monError).getText()).contains("hours.weekly.mon");
        screenshot("numero");

        type("n-dia-mon", "09:00-18:00");
        type("n-facts", "Pão francês sai às 7h e às 16h.");
        browser.findElement(By.cssSelector("#f-numero button[type=submit]")).click();
        wait.until(ExpectedConditions.textToBe(By.id("aviso"), "Salvo."));
        assertThat(browser.findElement(monError).getText()).isEmpty();
        var saved = PainelStand.json(stand.admin("GET", "/admin/instances/" + number, null).body());
        assertThat(saved.get("facts").asText()).isEqualTo("Pão francês sai às 7h e às 16h.");
        assertThat(saved.get("hours").get("weekly").get("mon").get(0).asText()).isEqualTo("09:00-18:00");

        int sent = stand.evolution.sent().size();
        type("t-pergunta", "Que horas sai o pão?");
        browser.findElement(By.id("t-enviar")).click();
        wait.until(ExpectedConditions.textToBe(By.id("t-resposta"), "Resposta: Que horas sai o pão?"));
        assertThat(stand.evolution.sent()).as("the test box sends nothing to WhatsApp").hasSize(sent);
    }

    @Test
    void aRequestWithoutTheCsrfTokenIsRefusedEvenWithTheCookie() {
        signIn(PainelStand.ADMIN);
        long id = stand.conversationId("outra", PainelStand.OUTRA_PHONE);
        assertThat(fetchStatus("POST", "/painel/api/conversations/" + id + "/pause", false)).isEqualTo(403);
        assertThat(stand.admin("GET", "/admin/conversations/outra/" + PainelStand.OUTRA_PHONE, null).body())
                .doesNotContain("\"state\":\"human\"");
        assertThat(fetchStatus("POST", "/painel/api/conversations/" + id + "/resume", true))
                .as("the page's own request, with the token").isEqualTo(200);

        browser.findElement(By.cssSelector("#abas a[data-aba=saude]")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("s-ia"), "vagas da IA em uso"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("s-servicos"), "Evolution"));
        assertThat(browser.findElement(By.id("s-servicos")).getText()).contains("Ollama").contains("acessível");
        assertThat(browser.findElement(By.id("s-fila")).getText()).contains("loja").contains("outra");
        screenshot("saude");
    }

    // ------------------------------------------------------------------ support

    void signIn(String token) {
        browser.get(stand.url("/painel"));
        visible("v-entrar");
        type("token", token);
        browser.findElement(By.cssSelector("#f-entrar button[type=submit]")).click();
        visible("v-conversas");
    }

    void visible(String id) {
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id(id)));
    }

    void type(String id, String text) {
        WebElement field = browser.findElement(By.id(id));
        field.clear();
        field.sendKeys(text);
    }

    Object js(String script) {
        return ((JavascriptExecutor) browser).executeScript(script);
    }

    /** A request from the page itself (its cookie), with or without the session's CSRF token. */
    long fetchStatus(String method, String path, boolean withCsrf) {
        Object status = ((JavascriptExecutor) browser).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                const headers = {};
                const go = () => fetch(arguments[1], {method: arguments[0], headers, credentials: 'same-origin'})
                    .then(r => done(r.status), () => done(-1));
                if (arguments[2]) {
                  fetch('/painel/api/me').then(r => r.json()).then(me => { headers['X-CSRF-Token'] = me.csrf; go(); });
                } else { go(); }""", method, path, withCsrf);
        return ((Number) status).longValue();
    }

    void screenshot(String name) {
        String dir = System.getProperty("painel.screenshots");
        if (dir == null || dir.isBlank()) {
            return;
        }
        try {
            Path target = Path.of(dir).resolve(name + ".png");
            Files.createDirectories(target.getParent());
            File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Optional<Path> onPath(String command) {
        List<String> dirs = Arrays.asList(System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator));
        return dirs.stream().map(d -> Path.of(d, command)).filter(Files::isExecutable).findFirst();
    }
}

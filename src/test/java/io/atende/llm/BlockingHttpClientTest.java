package io.atende.llm;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.TimeoutException;
import dev.langchain4j.http.client.HttpMethod;
import dev.langchain4j.http.client.HttpRequest;
import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.sse.ServerSentEvent;
import dev.langchain4j.http.client.sse.ServerSentEventListener;
import dev.langchain4j.http.client.sse.ServerSentEventParser;
import io.atende.support.FreePort;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The caller-thread HTTP client under LangChain4j's Ollama model, against a real HTTP server on a socket. */
class BlockingHttpClientTest {

    /** Ollama's streaming format, one JSON object per line, read as LangChain4j's Ollama parser reads it. */
    static final ServerSentEventParser LINES = (in, listener) -> {
        try (var reader = new java.io.BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                listener.onEvent(new ServerSentEvent(null, line));
            }
        } catch (IOException e) {
            listener.onError(e);
        }
    };

    HttpServer server;
    final List<Integer> clientPorts = new CopyOnWriteArrayList<>();
    final CountDownLatch releaseHang = new CountDownLatch(1);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/stream", ex -> {
            clientPorts.add(ex.getRemoteAddress().getPort());
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(200, 0); // chunked, as Ollama streams
            try (OutputStream out = ex.getResponseBody()) {
                for (String line : List.of("{\"n\":1}", "{\"n\":2}", "{\"n\":3,\"done\":true}")) {
                    out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            }
        });
        server.createContext("/fail", ex -> respond(ex, 503, "{\"error\":\"server busy, please try again.\"}"));
        server.createContext("/hang", ex -> {
            try {
                releaseHang.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            respond(ex, 200, "{}");
        });
        server.createContext("/plain", ex -> respond(ex, 200, "{\"version\":\"0.12.0\"}"));
        server.start();
    }

    @AfterEach
    void stop() {
        releaseHang.countDown();
        server.stop(0);
    }

    static void respond(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    static HttpRequest post(String url) {
        return HttpRequest.builder().method(HttpMethod.POST).url(url)
                .addHeader("Content-Type", "application/json").body("{\"model\":\"mistral\"}").build();
    }

    BlockingHttpClient client(Duration timeout) {
        return BlockingHttpClient.builder().connectTimeout(Duration.ofSeconds(2)).readTimeout(timeout).build();
    }

    /** Records what the listener is told, and on which thread. */
    static final class Recording implements ServerSentEventListener {
        final List<String> seen = new CopyOnWriteArrayList<>();
        final List<Thread> threads = new CopyOnWriteArrayList<>();
        volatile Throwable error;

        @Override
        public void onOpen(SuccessfulHttpResponse response) {
            seen.add("open " + response.statusCode());
            threads.add(Thread.currentThread());
        }

        @Override
        public void onEvent(ServerSentEvent event) {
            seen.add(event.data());
            threads.add(Thread.currentThread());
        }

        @Override
        public void onError(Throwable error) {
            this.error = error;
            seen.add("error");
            threads.add(Thread.currentThread());
        }

        @Override
        public void onClose() {
            seen.add("close");
            threads.add(Thread.currentThread());
        }
    }

    @Test
    void theStreamIsReadOnTheCallersThreadInOrderOverOneKeptAliveConnection() {
        BlockingHttpClient client = client(Duration.ofSeconds(5));
        for (int call = 0; call < 2; call++) {
            Recording listener = new Recording();
            client.execute(post(url("/stream")), LINES, listener);

            assertThat(listener.seen).containsExactly("open 200", "{\"n\":1}", "{\"n\":2}", "{\"n\":3,\"done\":true}", "close");
            assertThat(listener.threads).containsOnly(Thread.currentThread());
        }
        assertThat(clientPorts).hasSize(2);
        assertThat(clientPorts.get(1)).isEqualTo(clientPorts.get(0));
    }

    @Test
    void aStatusOutside2xxIsAnHttpExceptionWithTheStatusAndBody() {
        Recording listener = new Recording();
        client(Duration.ofSeconds(5)).execute(post(url("/fail")), LINES, listener);

        assertThat(listener.seen).containsExactly("error");
        assertThat(listener.error).isInstanceOf(HttpException.class);
        assertThat(((HttpException) listener.error).statusCode()).isEqualTo(503);
        assertThat(listener.error.getMessage()).contains("server busy");
        assertThatThrownBy(() -> client(Duration.ofSeconds(5)).execute(post(url("/fail"))))
                .isInstanceOf(HttpException.class);
    }

    @Test
    void aRefusedConnectionIsReportedToTheListenerNotThrown() {
        Recording listener = new Recording();
        client(Duration.ofSeconds(5)).execute(post("http://127.0.0.1:" + FreePort.next() + "/api/chat"),
                LINES, listener);

        assertThat(listener.seen).containsExactly("error");
        assertThat(listener.error).hasRootCauseInstanceOf(java.net.ConnectException.class);
    }

    @Test
    void theTimeoutBoundsTheWholeCallAndEndsAsATimeoutException() {
        Recording listener = new Recording();
        long started = System.nanoTime();
        client(Duration.ofMillis(500)).execute(post(url("/hang")), LINES, listener);

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        assertThat(listener.seen).containsExactly("error");
        assertThat(listener.error).isInstanceOf(TimeoutException.class);
    }

    @Test
    void anInterruptedCallerAbandonsTheCallAtOnce() throws Exception {
        Recording listener = new Recording();
        Thread caller = new Thread(() ->
                client(Duration.ofSeconds(30)).execute(post(url("/hang")), LINES, listener));
        caller.start();
        Thread.sleep(300);
        long interruptedAt = System.nanoTime();
        caller.interrupt();
        caller.join(5_000);

        assertThat(caller.isAlive()).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - interruptedAt)).isLessThan(Duration.ofSeconds(2));
        assertThat(listener.seen).containsExactly("error");
        assertThat(listener.error).isNotInstanceOf(TimeoutException.class).hasMessageContaining("interrupted");
    }

    @Test
    void aPlainRequestReturnsStatusHeadersAndBody() {
        SuccessfulHttpResponse response = client(Duration.ofSeconds(5)).execute(
                HttpRequest.builder().method(HttpMethod.GET).url(url("/plain")).build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("0.12.0");
        assertThat(response.headers()).isNotEmpty();
    }
}

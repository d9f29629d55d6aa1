package io.atende.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The HTTP side both simulators share: a JDK HttpServer on a free loopback port, one thread per request. A request's
 * arrival is stamped on the server's dispatcher thread, as soon as its head is parsed, before it is handed to a
 * worker thread: the wake-up of that worker is the harness's own latency, not the gateway's.
 */
final class SimServer implements AutoCloseable {

    static {
        // The simulators answer with TCP_NODELAY, like Ollama (Go) and Evolution API (Node.js); read by the JDK
        // HttpServer when its first instance is created. Without it, Nagle's algorithm and delayed ACKs add about
        // 40 ms to some responses, which the harness would wrongly count as gateway overhead.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private static final ThreadLocal<Long> ARRIVAL = new ThreadLocal<>();

    private final HttpServer server;
    private final ExecutorService pool;

    SimServer(String threadName, HttpHandler handler) throws IOException {
        pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        // Runs on the dispatcher thread, which has just parsed the request head.
        server.setExecutor(exchange -> {
            long arrival = System.nanoTime();
            pool.execute(() -> {
                ARRIVAL.set(arrival);
                try {
                    exchange.run();
                } finally {
                    ARRIVAL.remove();
                }
            });
        });
        server.createContext("/", handler);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** In a handler: when the dispatcher thread had parsed this request's head (System.nanoTime). */
    static long arrivalNs() {
        Long arrival = ARRIVAL.get();
        return arrival != null ? arrival : System.nanoTime();
    }

    /** A complete JSON response. */
    static void writeJson(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}

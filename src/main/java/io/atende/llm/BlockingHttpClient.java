package io.atende.llm;

import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.TimeoutException;
import dev.langchain4j.http.client.HttpClient;
import dev.langchain4j.http.client.HttpClientBuilder;
import dev.langchain4j.http.client.HttpRequest;
import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.sse.ServerSentEvent;
import dev.langchain4j.http.client.sse.ServerSentEventContext;
import dev.langchain4j.http.client.sse.ServerSentEventListener;
import dev.langchain4j.http.client.sse.ServerSentEventParser;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * LangChain4j's HTTP client for the LLM calls (Ollama's and OpenAI-compatible servers'), on the caller's thread: the
 * request is written and the streamed answer read by the route's own thread, over a pooled keep-alive connection
 * ({@link HttpURLConnection}). LangChain4j's default JDK client hands each call to its executor and selector threads
 * and the answer back through them: two to four thread wake-ups each way per call, a share of the gateway's overhead
 * per turn and about 4 ms of CPU per streamed answer of 100 tokens (docs/bench/before-after.md).
 * <p>
 * The read timeout LangChain4j gives it (the model's timeout, {@code ATENDE_LLM_TIMEOUT_S}) bounds the whole call:
 * when it passes, the connection is closed, which ends the blocked read, and the call fails with
 * LangChain4j's {@link TimeoutException}. A blocked socket read does not answer {@link Thread#interrupt()}, so the
 * calling thread is watched: when it is interrupted (a forced shutdown stops the route's threads that way) the
 * connection is closed too, and the call fails at once. Errors are reported as LangChain4j's own client reports
 * them: a status outside 2xx as an {@link HttpException} with the status and body.
 */
final class BlockingHttpClient implements HttpClient {

    /** How often an in-flight call checks whether its thread was interrupted. */
    private static final long INTERRUPT_CHECK_MS = 100;
    /** Closes the connections of calls past their deadline or interrupted; one daemon thread for the whole gateway. */
    private static final ScheduledExecutorService DEADLINES = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "atende-llm-deadline");
        t.setDaemon(true);
        return t;
    });

    private final Duration connectTimeout;
    private final Duration timeout;

    BlockingHttpClient(Duration connectTimeout, Duration timeout) {
        this.connectTimeout = connectTimeout;
        this.timeout = timeout;
    }

    static Builder builder() {
        return new Builder();
    }

    @Override
    public SuccessfulHttpResponse execute(HttpRequest request) {
        Call call = new Call(request);
        try {
            int status = call.connection.getResponseCode();
            if (!successful(status)) {
                throw new HttpException(status, readAll(call.connection.getErrorStream()));
            }
            String body = readAll(call.connection.getInputStream());
            return SuccessfulHttpResponse.builder().statusCode(status).headers(headers(call.connection)).body(body).build();
        } catch (IOException e) {
            throw call.failure(e);
        } finally {
            call.end();
        }
    }

    @Override
    public void execute(HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
        Call call;
        int status;
        try {
            call = new Call(request);
        } catch (RuntimeException e) {
            listener.onError(e);
            return;
        }
        try {
            try {
                status = call.connection.getResponseCode();
            } catch (IOException e) {
                listener.onError(call.failure(e));
                return;
            }
            if (!successful(status)) {
                String body;
                try {
                    body = readAll(call.connection.getErrorStream());
                } catch (IOException e) {
                    body = e.toString();
                }
                listener.onError(new HttpException(status, body));
                return;
            }
            listener.onOpen(SuccessfulHttpResponse.builder().statusCode(status).headers(headers(call.connection)).build());
            // The parser reports a failed read to the listener itself; past the deadline that is our timeout.
            ServerSentEventListener reporting = new ServerSentEventListener() {
                @Override
                public void onEvent(ServerSentEvent event, ServerSentEventContext context) {
                    listener.onEvent(event, context);
                }

                @Override
                public void onEvent(ServerSentEvent event) {
                    listener.onEvent(event);
                }

                @Override
                public void onError(Throwable error) {
                    listener.onError(error instanceof IOException io ? call.failure(io) : error);
                }
            };
            try (InputStream in = call.connection.getInputStream()) {
                parser.parse(in, reporting);
            } catch (IOException e) {
                listener.onError(call.failure(e));
                return;
            }
            listener.onClose();
        } finally {
            call.end();
        }
    }

    private static boolean successful(int status) {
        return status >= 200 && status < 300;
    }

    private static String readAll(InputStream in) throws IOException {
        if (in == null) {
            return "";
        }
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Map<String, List<String>> headers(HttpURLConnection c) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        c.getHeaderFields().forEach((name, values) -> {
            if (name != null) {
                headers.put(name, values);
            }
        });
        return headers;
    }

    /** One request on its connection, with its deadline. */
    private final class Call {
        final HttpURLConnection connection;
        final AtomicBoolean timedOut = new AtomicBoolean();
        final AtomicBoolean interrupted = new AtomicBoolean();
        final ScheduledFuture<?> deadline;
        final ScheduledFuture<?> interruptWatch;

        Call(HttpRequest request) {
            if (!request.formDataFields().isEmpty() || !request.formDataFiles().isEmpty()) {
                throw new UnsupportedOperationException("multipart requests are not used with Ollama");
            }
            try {
                connection = (HttpURLConnection) URI.create(request.url()).toURL().openConnection();
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalStateException("cannot open " + request.url() + ": " + e.getMessage(), e);
            }
            deadline = DEADLINES.schedule(() -> {
                timedOut.set(true);
                connection.disconnect();
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            Thread caller = Thread.currentThread();
            interruptWatch = DEADLINES.scheduleWithFixedDelay(() -> {
                if (caller.isInterrupted() && interrupted.compareAndSet(false, true)) {
                    connection.disconnect();
                }
            }, INTERRUPT_CHECK_MS, INTERRUPT_CHECK_MS, TimeUnit.MILLISECONDS);
            try {
                connection.setConnectTimeout((int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
                connection.setReadTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
                connection.setRequestMethod(request.method().name());
                request.headers().forEach((name, values) -> values.forEach(v -> connection.addRequestProperty(name, v)));
                if (request.body() != null) {
                    // Not in streaming mode: the JDK then sends the request head and body in one write.
                    connection.setDoOutput(true);
                    try (OutputStream out = connection.getOutputStream()) {
                        out.write(request.body().getBytes(StandardCharsets.UTF_8));
                    }
                }
            } catch (IOException e) {
                RuntimeException failure = failure(e);
                end();
                throw failure;
            }
        }

        RuntimeException failure(IOException e) {
            if (interrupted.get()) {
                return new IllegalStateException("LLM call abandoned: its thread was interrupted", e);
            }
            if (timedOut.get() || e instanceof java.net.SocketTimeoutException) {
                return timeoutError(e);
            }
            return new RuntimeException(e);
        }

        TimeoutException timeoutError(Throwable cause) {
            return new TimeoutException("The LLM did not finish its answer within " + timeout.toSeconds() + " s", cause);
        }

        void end() {
            deadline.cancel(false);
            interruptWatch.cancel(false);
        }
    }

    /** What LangChain4j's Ollama client configures: the connect timeout, and the read timeout (the whole call). */
    static final class Builder implements HttpClientBuilder {
        private Duration connectTimeout;
        private Duration readTimeout;

        @Override
        public Duration connectTimeout() {
            return connectTimeout;
        }

        @Override
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        @Override
        public Duration readTimeout() {
            return readTimeout;
        }

        @Override
        public Builder readTimeout(Duration timeout) {
            this.readTimeout = timeout;
            return this;
        }

        @Override
        public BlockingHttpClient build() {
            Duration read = readTimeout == null ? Duration.ofSeconds(60) : readTimeout;
            return new BlockingHttpClient(connectTimeout == null ? read : connectTimeout, read);
        }
    }
}

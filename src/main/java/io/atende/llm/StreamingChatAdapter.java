package io.atende.llm;

import dev.langchain4j.exception.TimeoutException;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import io.atende.support.AtendeMetrics;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A blocking {@link ChatModel} over a {@link StreamingChatModel}, so that the route keeps calling
 * {@code langchain4j-chat} (which needs a ChatModel) while Atende still sees the first streamed token
 * ({@code atende_llm_first_token_seconds}).
 * <p>
 * The call blocks until the whole answer has arrived, the stream failed, or {@code timeout} passed (measured from
 * the request, whatever the server does meanwhile). On timeout the stream is cancelled, which closes the connection so
 * Ollama stops generating, and a {@link TimeoutException} is thrown: the circuit breaker and the durable queue's
 * retry then treat it like any failed call. The listeners (token counts, durations) run as for any ChatModel.
 * With {@link BlockingHttpClient} under the streaming model (as {@link OllamaModels} builds it), the stream is read
 * on the caller's thread and the client enforces the same deadline; the wait here then returns at once, and its
 * own timeout remains for any other streaming model.
 */
public final class StreamingChatAdapter implements ChatModel {

    private final StreamingChatModel streaming;
    private final Duration timeout;
    private final List<ChatModelListener> listeners;
    private final AtendeMetrics metrics;

    public StreamingChatAdapter(StreamingChatModel streaming, Duration timeout, List<ChatModelListener> listeners,
                                AtendeMetrics metrics) {
        this.streaming = streaming;
        this.timeout = timeout;
        this.listeners = List.copyOf(listeners);
        this.metrics = metrics;
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        long started = System.nanoTime();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        AtomicReference<StreamingHandle> handle = new AtomicReference<>();
        AtomicBoolean firstSeen = new AtomicBoolean();
        AtomicBoolean abandoned = new AtomicBoolean();
        StreamingChatResponseHandler handler = new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
                handle.set(context.streamingHandle());
                if (abandoned.get()) {
                    context.streamingHandle().cancel();
                    return;
                }
                piece();
            }

            @Override
            public void onPartialResponse(String partial) {
                piece();
            }

            private void piece() {
                if (firstSeen.compareAndSet(false, true)) {
                    metrics.llmFirstToken(Duration.ofNanos(System.nanoTime() - started));
                }
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        };
        try (AutoCloseable inflight = metrics.llmCallStarted()) {
            streaming.chat(request, handler);
            return done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            abandoned.set(true);
            StreamingHandle h = handle.get();
            if (h != null) {
                h.cancel();
            }
            throw new TimeoutException("The LLM did not finish its answer within " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        } catch (InterruptedException e) {
            abandoned.set(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the LLM", e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return streaming.defaultRequestParameters();
    }

    @Override
    public List<ChatModelListener> listeners() {
        return listeners;
    }

    @Override
    public ModelProvider provider() {
        return streaming.provider();
    }
}

package io.atende.llm;

import dev.langchain4j.exception.TimeoutException;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A streamed call (Ollama's NDJSON {@code /api/chat}, or an OpenAI-compatible server's SSE), returned whole once the
 * last token has arrived. The handler notes when the first token came; the final response carries the token counts.
 * <p>
 * {@code timeout} bounds the whole call, measured from the request, whatever the server does meanwhile. Past it the
 * stream is cancelled, which closes the connection so the server stops generating, and LangChain4j's
 * {@link TimeoutException} is thrown. With {@link BlockingHttpClient} underneath, the stream is read on this thread
 * and the client enforces the same deadline, so the wait here returns at once; it stays for any other client.
 */
final class StreamingLlm implements LlmClient {

    private final StreamingChatModel model;
    private final Duration timeout;
    private final RequestParameters parameters;

    StreamingLlm(StreamingChatModel model, Duration timeout, RequestParameters parameters) {
        this.model = model;
        this.timeout = timeout;
        this.parameters = parameters;
    }

    @Override
    public LlmAnswer chat(LlmPrompt prompt) {
        long started = System.nanoTime();
        AtomicLong firstToken = new AtomicLong(-1);
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        AtomicReference<StreamingHandle> handle = new AtomicReference<>();
        AtomicBoolean abandoned = new AtomicBoolean();
        StreamingChatResponseHandler handler = new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
                handle.set(context.streamingHandle());
                if (abandoned.get()) {
                    context.streamingHandle().cancel();
                    return;
                }
                firstToken.compareAndSet(-1, System.nanoTime());
            }

            @Override
            public void onPartialResponse(String partial) {
                firstToken.compareAndSet(-1, System.nanoTime());
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
        model.chat(parameters.request(prompt), handler);
        ChatResponse response = await(done, handle, abandoned);
        if (response.finishReason() == null && response.tokenUsage() == null) {
            // LangChain4j's OpenAI client ends a stream cut by an error event as if it were complete, with neither
            // the finish reason nor the usage every complete answer carries: the text is a fragment, never a reply.
            throw new IncompleteAnswerException("the LLM's stream ended without finishing its answer");
        }
        long first = firstToken.get();
        return ChatResponses.answer(response, started, first < 0 ? null : (first - started) / 1_000_000);
    }

    /** The stream ended before the model finished its answer. */
    static final class IncompleteAnswerException extends RuntimeException {
        IncompleteAnswerException(String message) {
            super(message);
        }
    }

    private ChatResponse await(CompletableFuture<ChatResponse> done, AtomicReference<StreamingHandle> handle,
                               AtomicBoolean abandoned) {
        try {
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
        }
    }
}

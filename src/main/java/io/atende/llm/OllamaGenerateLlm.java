package io.atende.llm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.exception.LangChain4jException;
import dev.langchain4j.http.client.HttpClient;
import dev.langchain4j.http.client.HttpMethod;
import dev.langchain4j.http.client.HttpRequest;
import dev.langchain4j.http.client.sse.ServerSentEvent;
import dev.langchain4j.http.client.sse.ServerSentEventListener;
import dev.langchain4j.http.client.sse.ServerSentEventParser;
import dev.langchain4j.internal.ExceptionMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * A call to Ollama's {@code /api/generate} with {@code "raw": true} and the prompt rendered here
 * ({@link MistralInstructPrompt}), so that Ollama applies no template and the prompt's start is the same for every
 * conversation of a number ({@code ATENDE_PROMPT_TEMPLATE}). The same options as the chat calls: {@code num_ctx}
 * always, the number's model, temperature and {@code num_predict}, else the environment's.
 * <p>
 * Over {@link BlockingHttpClient}, as the chat calls: read on the calling thread, the whole call bounded by the
 * timeout. Failures surface as LangChain4j's Ollama client reports them ({@link ExceptionMapper}): a status outside
 * 2xx as {@code InternalServerException}, {@code ModelNotFoundException} … with the {@code HttpException} (status
 * and Ollama's {@code {"error":…}} body) as cause, the deadline as {@code TimeoutException}. An error line in the
 * stream, or a stream that ends before {@code done}, fails the call: the text is a fragment, never a reply.
 */
final class OllamaGenerateLlm implements LlmClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One JSON object per line, as Ollama streams; a read failure goes to the listener (the client maps it). */
    private static final ServerSentEventParser NDJSON = (in, listener) -> {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.isBlank()) {
                    listener.onEvent(new ServerSentEvent(null, line));
                }
            }
        } catch (IOException e) {
            listener.onError(e);
        }
    };

    private final LlmSettings settings;
    private final String url;
    private final HttpClient http;

    OllamaGenerateLlm(LlmSettings settings, String baseUrl) {
        this.settings = settings;
        this.url = baseUrl.replaceAll("/+$", "") + "/api/generate";
        this.http = BlockingHttpClient.builder().connectTimeout(settings.timeout()).readTimeout(settings.timeout()).build();
    }

    @Override
    public LlmAnswer chat(LlmPrompt prompt) {
        long started = System.nanoTime();
        HttpRequest request = HttpRequest.builder().method(HttpMethod.POST).url(url)
                .addHeader("Content-Type", "application/json").body(body(prompt)).build();
        try {
            return settings.stream() ? streamed(request, started) : whole(request, started);
        } catch (RuntimeException e) {
            throw ExceptionMapper.DEFAULT.mapException(e);
        }
    }

    /** {@code {"model","prompt","raw":true,"stream",options:{num_ctx,num_predict,temperature}}}. */
    String body(LlmPrompt prompt) {
        LlmOptions o = prompt.options();
        ObjectNode body = JSON.createObjectNode();
        body.put("model", o == null ? settings.model() : o.model());
        body.put("prompt", MistralInstructPrompt.render(prompt.messages()));
        body.put("raw", true);
        body.put("stream", settings.stream());
        ObjectNode options = body.putObject("options");
        options.put("num_ctx", settings.numCtx());
        options.put("num_predict", o == null ? settings.maxReplyTokens() : o.numPredict());
        options.put("temperature", o == null ? settings.temperature() : o.temperature());
        return body.toString();
    }

    private LlmAnswer whole(HttpRequest request, long started) {
        JsonNode done = parse(http.execute(request).body());
        failOnError(done);
        return answer(done.path("response").asText(""), done, started, null);
    }

    private LlmAnswer streamed(HttpRequest request, long started) {
        Stream stream = new Stream();
        http.execute(request, NDJSON, stream);
        if (stream.error != null) {
            throw stream.error;
        }
        if (stream.done == null) {
            throw new StreamingLlm.IncompleteAnswerException("the LLM's stream ended without finishing its answer");
        }
        long first = stream.firstTokenNanos;
        return answer(stream.text.toString(), stream.done, started, first < 0 ? null : (first - started) / 1_000_000);
    }

    private static LlmAnswer answer(String text, JsonNode done, long started, Long firstTokenMillis) {
        return LlmAnswer.of(text, count(done, "prompt_eval_count"), count(done, "eval_count"),
                (System.nanoTime() - started) / 1_000_000, firstTokenMillis);
    }

    private static Integer count(JsonNode done, String field) {
        JsonNode n = done.get(field);
        return n == null || !n.isNumber() ? null : n.intValue();
    }

    private static JsonNode parse(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            if (node == null || !node.isObject()) {
                throw new LangChain4jException("Ollama answered something other than a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new LangChain4jException("Ollama answered invalid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Ollama reports a failure after the status line (mid-stream) as {@code {"error":"…"}}. */
    private static void failOnError(JsonNode node) {
        JsonNode error = node.get("error");
        if (error != null && !error.isNull()) {
            throw new StreamingLlm.IncompleteAnswerException("Ollama failed while answering: " + error.asText());
        }
    }

    /** The streamed answer as it arrives: the text, when the first piece came, the final object, or the failure. */
    private static final class Stream implements ServerSentEventListener {
        final StringBuilder text = new StringBuilder();
        long firstTokenNanos = -1;
        JsonNode done;
        RuntimeException error;

        @Override
        public void onEvent(ServerSentEvent event) {
            if (error != null || done != null) {
                return;
            }
            try {
                JsonNode chunk = parse(event.data());
                failOnError(chunk);
                String piece = chunk.path("response").asText("");
                if (!piece.isEmpty() && firstTokenNanos < 0) {
                    firstTokenNanos = System.nanoTime();
                }
                text.append(piece);
                if (chunk.path("done").asBoolean(false)) {
                    done = chunk;
                }
            } catch (RuntimeException e) {
                error = e;
            }
        }

        @Override
        public void onError(Throwable t) {
            if (error == null) {
                error = t instanceof RuntimeException re ? re : new LangChain4jException(t);
            }
        }
    }
}

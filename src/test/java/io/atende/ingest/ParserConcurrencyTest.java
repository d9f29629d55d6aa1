package io.atende.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** One parser instance serves all HTTP worker threads. */
class ParserConcurrencyTest {

    @Test
    void sharedParserGivesTheSameResultsUnderConcurrentUse() throws Exception {
        EvolutionWebhookParser parser = new EvolutionWebhookParser();
        List<byte[]> bodies = List.of(
                EvolutionFixtures.reference("01-text-conversation.json"),
                EvolutionFixtures.reference("03-image-caption.json"),
                EvolutionFixtures.reference("05-group-message.json"),
                EvolutionFixtures.variant("legacy-v2.3.5-base64-bytes-decimal-string-longs-and-timestamp.json"));
        List<InboundEvent> expected = bodies.stream().map(parser::parse).toList();

        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Boolean>> tasks = IntStream.range(0, 400)
                    .<Callable<Boolean>>mapToObj(i -> () -> parser.parse(bodies.get(i % 4)).equals(expected.get(i % 4)))
                    .toList();
            for (Future<Boolean> result : pool.invokeAll(tasks)) {
                assertThat(result.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}

package io.atende.bench;

/**
 * Runs the Ollama simulator alone, on a free port printed at start, with the same {@code bench.*} settings
 * (e.g. {@code -Dbench.compression=100}). Useful to try the harness's real-Ollama (proxy) mode or to point a
 * hand-started gateway at a CPU-calibrated fake Ollama:
 * {@code java -cp target/test-classes:target/classes:'target/lib/*' io.atende.bench.SimulatorMain}.
 */
public final class SimulatorMain {

    private SimulatorMain() {
    }

    public static void main(String[] args) throws Exception {
        OllamaSim sim = new OllamaSim(new BenchConfig(), new Ledger());
        System.out.println("Ollama simulator listening on " + sim.baseUrl());
        Thread.currentThread().join();
    }
}

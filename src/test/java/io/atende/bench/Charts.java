package io.atende.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The SVG charts of the report. */
final class Charts {

    private Charts() {
    }

    @SuppressWarnings("unchecked")
    static void write(Path out, Ledger ledger, Map<String, List<GatewayProcess.Sample>> samples,
                      Map<String, Object> phases) throws Exception {
        // memory over time, runs one after the other
        List<Svg.Series> mem = new ArrayList<>();
        for (Map.Entry<String, List<GatewayProcess.Sample>> e : samples.entrySet()) {
            List<GatewayProcess.Sample> s = e.getValue();
            double[] t = s.stream().mapToDouble(GatewayProcess.Sample::t).toArray();
            mem.add(new Svg.Series(e.getKey() + " gateway RSS", t, s.stream().mapToDouble(x -> x.gwRssKb() / 1024.0).toArray()));
            List<GatewayProcess.Sample> h = s.stream().filter(x -> x.heapUsedBytes() >= 0).toList();
            mem.add(new Svg.Series(e.getKey() + " gateway heap used", h.stream().mapToDouble(GatewayProcess.Sample::t).toArray(),
                    h.stream().mapToDouble(x -> x.heapUsedBytes() / 1048576.0).toArray()));
            mem.add(new Svg.Series(e.getKey() + " PostgreSQL PSS", t, s.stream().mapToDouble(x -> x.pgPssKb() / 1024.0).toArray()));
        }
        Files.writeString(out.resolve("memory.svg"), Svg.lines("Memory (MB) over time, per gateway run",
                "seconds since the gateway started", "MB", mem));

        List<Svg.Series> ack = new ArrayList<>();
        for (String phase : List.of("conversations", "ingest")) {
            List<Double> v = new ArrayList<>();
            for (Ledger.Sent s : ledger.sentIn(phase)) {
                if (s.httpStatus == 200) {
                    v.add((s.ackNs - s.sentNs) / 1e6);
                }
            }
            if (!v.isEmpty()) {
                ack.add(cdf(phase, new Stats(v), 99.9));
            }
        }
        if (!ack.isEmpty()) { // a run of the voice phase alone has neither
            Files.writeString(out.resolve("ack-latency.svg"), Svg.lines("Webhook ack latency, cumulative (to p99.9)",
                    "milliseconds", "% of webhooks", ack));
        }

        List<Svg.Series> e2e = new ArrayList<>();
        for (String phase : List.of("conversations", "fairness-baseline", "fairness-flood")) {
            List<Double> v = new ArrayList<>();
            for (Ledger.Sent s : ledger.sentIn(phase)) {
                List<Long> a = ledger.answers.get(s.marker);
                if (s.accepted() && a != null && !a.isEmpty()) {
                    v.add((a.stream().mapToLong(Long::longValue).min().getAsLong() - s.sentNs) / 1e9);
                }
            }
            if (!v.isEmpty()) {
                e2e.add(cdf(phase, new Stats(v), 100));
            }
        }
        if (!e2e.isEmpty()) {
            Files.writeString(out.resolve("reply-latency.svg"), Svg.lines(
                    "End-to-end reply latency, cumulative (compressed LLM time)", "seconds", "% of messages", e2e));
        }

        // voice phases: texts and voice notes apart; closed and open loop apart (their scales differ 50-fold)
        voiceChart(out, ledger, List.of("voice-text", "voice-mix"), "voice-latency.svg", "closed loop");
        voiceChart(out, ledger, List.of("voice-open-text", "voice-open-mix"), "voice-open-latency.svg", "open loop");

        Map<String, Object> fb = (Map<String, Object>) phases.get("fairness-baseline");
        Map<String, Object> ff = (Map<String, Object>) phases.get("fairness-flood");
        if (fb != null && ff != null && fb.get("wait_by_instance_s") != null && ff.get("wait_by_instance_s") != null) {
            Map<String, Object> wb = (Map<String, Object>) fb.get("wait_by_instance_s");
            Map<String, Object> wf = (Map<String, Object>) ff.get("wait_by_instance_s");
            List<String> cats = new ArrayList<>();
            for (String k : wb.keySet()) {
                if (wb.get(k) instanceof Map) {
                    cats.add(k);
                }
            }
            double[] b = new double[cats.size()], f = new double[cats.size()];
            for (int i = 0; i < cats.size(); i++) {
                b[i] = median(wb.get(cats.get(i)));
                f[i] = median(wf.get(cats.get(i)));
            }
            Files.writeString(out.resolve("fairness.svg"), Svg.bars(
                    "Median wait per instance (s): no flood vs loja-00 flooding", "seconds", cats,
                    List.of(new Svg.Series("no flood", null, b), new Svg.Series("loja-00 floods", null, f))));
        }

        List<Ledger.Sent> in = ledger.sentIn("ingest");
        if (!in.isEmpty()) {
            long t0 = in.stream().mapToLong(s -> s.sentNs).min().getAsLong();
            long t1 = in.stream().mapToLong(s -> s.ackNs).max().getAsLong();
            int buckets = (int) ((t1 - t0) / 500_000_000L) + 1;
            double[] x = new double[buckets], y = new double[buckets];
            for (Ledger.Sent s : in) {
                if (s.httpStatus == 200) {
                    y[(int) ((s.ackNs - t0) / 500_000_000L)] += 2; // per second
                }
            }
            for (int i = 0; i < buckets; i++) {
                x[i] = i * 0.5;
            }
            Files.writeString(out.resolve("ingest-rate.svg"), Svg.lines("Webhooks acknowledged per second (ingest flood)",
                    "seconds", "acks/s", List.of(new Svg.Series("acks/s (0.5 s buckets)", x, y))));
        }
    }

    private static void voiceChart(Path out, Ledger ledger, List<String> phases, String file, String shape)
            throws java.io.IOException {
        List<Svg.Series> voice = new ArrayList<>();
        for (String phase : phases) {
            for (boolean note : new boolean[]{false, true}) {
                List<Double> v = new ArrayList<>();
                for (Ledger.Sent s : ledger.sentIn(phase)) {
                    List<Long> a = ledger.answers.get(s.marker);
                    if (s.accepted() && s.voice() == note && a != null && !a.isEmpty()) {
                        v.add((a.stream().mapToLong(Long::longValue).min().getAsLong() - s.sentNs) / 1e9);
                    }
                }
                if (!v.isEmpty()) {
                    voice.add(cdf(phase + (note ? " voice notes" : " texts"), new Stats(v), 100));
                }
            }
        }
        if (!voice.isEmpty()) {
            Files.writeString(out.resolve(file), Svg.lines("Reply latency per message type, " + shape
                    + ", cumulative (compressed LLM and STT time)", "seconds", "% of messages", voice));
        }
    }

    private static double median(Object o) {
        if (o instanceof Map<?, ?> m && m.get("median") instanceof Number n) {
            return n.doubleValue();
        }
        return Double.NaN;
    }

    private static Svg.Series cdf(String name, Stats s, double upTo) {
        int n = Math.max(1, (int) Math.ceil(s.n() * upTo / 100.0));
        int step = Math.max(1, n / 400);
        List<double[]> pts = new ArrayList<>();
        for (int i = 0; i < n; i += step) {
            pts.add(new double[]{s.sorted[i], 100.0 * (i + 1) / s.n()});
        }
        pts.add(new double[]{s.sorted[n - 1], 100.0 * n / s.n()});
        return new Svg.Series(name + " (n=" + s.n() + ")", pts.stream().mapToDouble(p -> p[0]).toArray(),
                pts.stream().mapToDouble(p -> p[1]).toArray());
    }
}

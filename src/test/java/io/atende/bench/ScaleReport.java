package io.atende.bench;

import java.util.Map;

/** The scale phase's report.md, from the same map as its report.json (see ScaleBench). */
final class ScaleReport {

    private ScaleReport() {
    }

    static String render(Map<String, Object> r) {
        StringBuilder md = new StringBuilder();
        md.append("# Scale phase (issue 16): results\n\n");
        md.append("Generated at ").append(r.get("generated_at")).append(" from commit `").append(r.get("commit"))
                .append("` by\n\n```sh\n").append(r.get("command")).append("\n```\n\n")
                .append("How to read it: [README.md](README.md). Raw figures: [report.json](report.json).\n\n");
        md.append("## Machine\n\n| | |\n|---|---|\n");
        map(r.get("machine")).forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        md.append("| loadavg at end | ").append(r.get("loadavg_at_end")).append(" |\n");
        map(r.get("jvm_flags")).forEach((k, v) -> md.append("| JVM flags, ").append(k).append(" | `").append(v)
                .append("` |\n"));
        if (r.get("postgres_version") != null) {
            md.append("| PostgreSQL server (external, kafka) | ").append(r.get("postgres_version")).append(", ")
                    .append(r.get("postgres_settings")).append(" |\n");
        }
        md.append("\nEverything (the load driver, the simulators, the gateway, PostgreSQL and the broker) shares these ")
                .append("cores; the `calibration` column (ms for one thread to hash 32 MiB, lower is faster) and the ")
                .append("gateway's run-queue wait show how busy the machine was during each flood.\n\n");
        md.append("**Lost or duplicated: ").append(r.get("lost")).append(" lost, ").append(r.get("duplicated"))
                .append(" duplicated, ").append(r.get("failed_cells")).append(" cells failed to run** (the bench fails ")
                .append("on any of these; every other figure is reported, not asserted).\n\n");
        if (r.get("ingest") != null) {
            ingest(md, map(r.get("ingest")));
        }
        if (r.get("fifty") != null) {
            fifty(md, map(r.get("fifty")));
        }
        return md.toString();
    }

    private static void ingest(StringBuilder md, Map<String, Object> cells) {
        md.append("## Ingest per transport\n\n")
                .append("Closed-loop floods (each sender posts its next webhook when the previous one is acknowledged), ")
                .append("after a warm-up flood of the same shape (excluded). CPU in ms per webhook: during the flood ")
                .append("per acknowledged webhook, then from the flood's start until every acknowledged webhook was ")
                .append("stored (Kafka acknowledges when the broker has the record; its consumers store it after) per ")
                .append("stored webhook. `db check`: acknowledged but not stored / stored more than once / stored but ")
                .append("not acknowledged.\n\n");
        md.append("| transport | flood | acks/s | ack p50 ms | ack p99 ms | ack max ms | not acked | CPU ms/ack: gateway | ")
                .append("PostgreSQL | broker | CPU ms/stored (to drained): gateway | PostgreSQL | broker | drain after flood s | ")
                .append("db check | busy notices | gateway peak RSS MB | calibration ms | gateway run-queue wait s | ")
                .append("cores busy: gateway + PostgreSQL + broker + bench JVM |\n");
        md.append("|---".repeat(20)).append("|\n");
        for (Map.Entry<String, Object> e : cells.entrySet()) {
            String[] tf = e.getKey().split("/", 2);
            Map<String, Object> c = map(e.getValue());
            md.append("| ").append(tf[0]).append(" | ").append(tf[1]).append(" | ");
            if (c.containsKey("error")) {
                md.append("failed: ").append(c.get("error")).append(" |".repeat(18)).append("\n");
                continue;
            }
            Map<String, Object> ack = map(c.get("ack_ms"));
            Map<String, Object> during = map(c.get("cpu_ms_per_acked_webhook_during_flood"));
            Map<String, Object> all = map(c.get("cpu_ms_per_stored_webhook_flood_and_drain"));
            Map<String, Object> check = map(c.get("database_check"));
            boolean kafka = tf[0].equals("kafka");
            cells(md, c.get("acks_per_s"), ack.get("p50"), ack.get("p99"), ack.get("max"), c.get("not_acked"),
                    during.get("gateway"), during.get("postgres"), kafka ? during.get("broker") : "-",
                    all.get("gateway"), all.get("postgres"), kafka ? all.get("broker") : "-",
                    c.get("drain_after_flood_s"),
                    check.get("acked_not_stored") + " / " + check.get("stored_more_than_once") + " / "
                            + check.get("stored_not_acked"),
                    c.get("busy_notices_sent"), c.get("gateway_peak_rss_mb"), c.get("cpu_calibration_ms"),
                    c.get("gateway_runqueue_wait_s_during_flood"), cores(map(c.get("cores_used_during_flood"))));
        }
        md.append("\nThe bench JVM's own CPU (driver and simulators, same cores) is in report.json ")
                .append("(`bench_jvm_driver_and_simulators`), with the broker's and PostgreSQL's memory.\n\n");
    }

    private static void fifty(StringBuilder md, Map<String, Object> f) {
        md.append("## 50 numbers x 10 customers on Kafka, 2 replicas, 2 LLM backends\n\n");
        if (f.get("fairness") == null) {
            md.append("Did not complete; see report.json.\n\n");
            return;
        }
        Map<String, Object> fair = map(f.get("fairness"));
        md.append("| | |\n|---|---|\n");
        row(md, "time compression", f.get("compression"));
        row(md, "load (closed loop) s, real", f.get("load_s"));
        row(md, "webhooks sent / acknowledged", f.get("webhooks_sent") + " / " + f.get("acked"));
        row(md, "LLM calls (per backend)", f.get("llm_calls") + " (" + f.get("llm_calls_per_backend") + ")");
        row(md, "**lost replies**", f.get("lost_replies"));
        row(md, "**duplicate replies**", f.get("duplicate_replies"));
        row(md, "misrouted replies", f.get("misrouted_replies"));
        row(md, "fairness: worst / best number's median wait, claimable to LLM request (target <= 2x)",
                target(fair.get("median_wait_ratio_worst_to_best_instance")));
        row(md, "fairness: worst / best number's median, message to reply (target <= 2x)",
                target(fair.get("message_to_reply_median_ratio_worst_to_best")));
        row(md, "worst number's median over the median number's: claimable to LLM request, message to reply",
                fair.get("median_wait_ratio_worst_to_median_instance") + "x, "
                        + fair.get("message_to_reply_median_ratio_worst_to_median") + "x");
        row(md, "LLM time share per number, min / max (equal: " + share(fair.get("numbers_served")) + ")",
                fair.get("llm_time_share_min") + " / " + fair.get("llm_time_share_max"));
        row(md, "message to reply s, real (all numbers)", fair.get("message_to_reply_s"));
        map(f.get("replicas")).forEach((k, v) -> {
            Map<String, Object> one = map(v);
            row(md, k + ": peak RSS MB (VmHWM), CPU s, webhooks", one.get("peak_rss_mb") + ", " + one.get("cpu_s")
                    + ", " + one.get("webhooks_acked"));
        });
        row(md, "PostgreSQL CPU s, PSS MB at end", f.get("postgres_cpu_s") + ", " + f.get("postgres_pss_mb_at_end"));
        row(md, "broker CPU s, peak RSS MB", f.get("broker_cpu_s") + ", " + f.get("broker_peak_rss_mb_so_far"));
        row(md, "bench JVM CPU s (driver, simulators)", f.get("bench_jvm_cpu_s"));
        row(md, "calibration ms", f.get("cpu_calibration_ms"));
        md.append("\n### Per number\n\n| number | turns | median claimable to LLM request s | median message to reply s | ")
                .append("LLM time share |\n|---|---|---|---|---|\n");
        map(f.get("per_number")).forEach((k, v) -> {
            Map<String, Object> one = map(v);
            md.append("| ").append(k).append(" | ");
            cells(md, one.get("turns"), one.get("claimable_to_llm_request_median_s"),
                    one.get("message_to_reply_median_s"), one.get("llm_time_share"));
        });
        md.append("\nDurations are real seconds at the compression above (multiply by it for the simulated LLM's ")
                .append("time scale); the gateway's debounce, dispatch poll and affinity bound were divided by it too.\n\n");
    }

    private static String cores(Map<String, Object> c) {
        return c.get("gateway") + " + " + c.get("postgres") + " + " + c.get("broker") + " + " + c.get("bench_jvm");
    }

    private static String target(Object ratio) {
        if (!(ratio instanceof Number n)) {
            return String.valueOf(ratio);
        }
        return n + "x (" + (n.doubleValue() <= 2 ? "met" : "**not met**") + ")";
    }

    private static String share(Object numbers) {
        return numbers instanceof Number n && n.intValue() > 0
                ? String.valueOf(Math.round(1000.0 / n.intValue()) / 1000.0) : "-";
    }

    private static void row(StringBuilder md, String k, Object v) {
        md.append("| ").append(k).append(" | ").append(v).append(" |\n");
    }

    private static void cells(StringBuilder md, Object... values) {
        for (Object v : values) {
            md.append(v == null ? "-" : v).append(" | ");
        }
        md.setLength(md.length() - 1);
        md.append("\n");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }
}

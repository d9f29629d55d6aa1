package io.atende.bench;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every benchmark message carries a marker {@code [bm:<id>]}. The LLM simulator copies the markers of the
 * messages it answers into its reply, so the Evolution simulator can tell which messages each sendText answers
 * (lost and duplicate replies are counted per marker).
 */
final class Markers {

    private static final Pattern MARKER = Pattern.compile("\\[bm:([A-Za-z0-9-]+)]");

    private Markers() {
    }

    static String of(String id) {
        return "[bm:" + id + "]";
    }

    /** Marker ids in order of appearance, without repeats. */
    static List<String> in(String text) {
        LinkedHashSet<String> ids = new LinkedHashSet<>();
        if (text != null) {
            Matcher m = MARKER.matcher(text);
            while (m.find()) {
                ids.add(m.group(1));
            }
        }
        return new ArrayList<>(ids);
    }
}

package io.atende.profile;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.List;

/**
 * One version of an instance's profile in {@code GET /admin/instances/{instance}/history}.
 *
 * @param changed the top-level fields that differ from the version before
 * @param profile the document as it was, secrets already redacted when stored; null for a deletion
 */
public record ProfileHistoryEntry(long version, Instant changedAt, String changedBy, String source,
                                  List<String> changed, ObjectNode profile) {
}

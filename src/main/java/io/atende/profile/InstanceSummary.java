package io.atende.profile;

import java.time.Instant;

/**
 * One known instance in {@code GET /admin/instances}: a number that sent a webhook, or one that has a profile.
 *
 * @param hasProfile false: it runs on the environment's defaults (version 0, no source, no update)
 * @param source     {@code api} or {@code file}, or null without a profile
 */
public record InstanceSummary(String instance, boolean hasProfile, long version, String source, Instant updatedAt,
                              String updatedBy) {
}

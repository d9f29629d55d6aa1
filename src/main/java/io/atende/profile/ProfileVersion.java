package io.atende.profile;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One instance's profile as stored, secrets included (never rendered as they are: {@link ProfileJson#render}).
 *
 * @param instance the Evolution instance name
 * @param version  the profile's version, its ETag; 0 when the instance has no profile (the environment's defaults)
 * @param created  this write created the profile (HTTP 201)
 * @param document the stored document: only the fields that are set, keys sorted; empty without a profile. Not to be
 *                 modified.
 */
public record ProfileVersion(String instance, long version, boolean created, ObjectNode document) {

    /** The profile's ETag: its version, quoted ({@code "3"}). */
    public String etag() {
        return etag(version);
    }

    public static String etag(long version) {
        return "\"" + version + "\"";
    }

    /** Never the document: it holds the secrets. */
    @Override
    public String toString() {
        return "ProfileVersion[" + instance + " v" + version + (created ? ", created" : "") + "]";
    }
}

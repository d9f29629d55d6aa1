package io.atende.profile;

/**
 * What an admin route answers for one profile: the status, the ETag and the JSON body (secrets redacted).
 *
 * @param status 200, or 201 when the request created the profile
 * @param etag   {@code "<version>"}; {@code "0"} for an instance without a profile
 * @param json   the document as GET shows it
 */
public record ProfileAnswer(int status, String etag, String json) {
}

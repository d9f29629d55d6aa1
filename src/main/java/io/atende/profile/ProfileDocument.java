package io.atende.profile;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * A validated profile as a PUT (or an entry of the instances file) gives it: only the fields that are set, keys sorted,
 * plus what it says of each secret. A secret left out keeps the stored value; a secret set to {@code null} (or
 * {@code "evolution": null}) is cleared; {@code apiKeySet} and {@code webhookTokenSet} were dropped.
 *
 * @param fields the document; secret fields absent (keep), JSON null (clear) or a string (set); {@code evolution} may
 *               be JSON null (clear it whole, secrets included). Not to be modified.
 */
public record ProfileDocument(ObjectNode fields) {

    /** Never the fields: they may hold secrets, and a body can end up in a log or a trace. */
    @Override
    public String toString() {
        List<String> names = new ArrayList<>();
        fields.fieldNames().forEachRemaining(names::add);
        return "ProfileDocument" + names;
    }
}

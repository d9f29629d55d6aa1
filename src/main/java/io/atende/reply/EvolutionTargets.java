package io.atende.reply;

import io.atende.profile.EffectiveProfile;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.function.Function;

/**
 * Each number's Evolution server, key and enabled flag, from its profile (the environment's Evolution without one).
 * Read at every attempt of every part, from the profiles' cache: an edit applies to the next attempt.
 */
public final class EvolutionTargets {

    private final Function<String, EffectiveProfile> profiles;

    /** @param profiles the effective profile of an instance ({@code InstanceProfiles::of}) */
    public EvolutionTargets(Function<String, EffectiveProfile> profiles) {
        this.profiles = profiles;
    }

    /**
     * @throws IllegalArgumentException when the profile's base URL is not a plain http(s) URL (the part is retried,
     *                                  then given up, and the dead letter says why)
     */
    public EvolutionTarget of(OutboundMessage part) {
        EffectiveProfile p = profiles.apply(part.instance());
        return new EvolutionTarget(part.instance(), p.enabled(), checked(p.evolutionBaseUrl()), p.evolutionApiKey());
    }

    /**
     * The base URL becomes the start of a dynamic Camel endpoint URI (toD), where {@code {{...}}} would be resolved as
     * a property placeholder and {@code ?} would add endpoint options: a profile's URL could then carry the gateway's
     * own secrets to its server. Only scheme, host, port and path are allowed.
     */
    static String checked(String baseUrl) {
        try {
            URI u = new URI(baseUrl);
            boolean plain = ("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null
                    && u.getRawQuery() == null && u.getRawFragment() == null && u.getRawUserInfo() == null
                    && !baseUrl.contains("{") && !baseUrl.contains("$");
            if (plain) {
                return baseUrl;
            }
        } catch (URISyntaxException | NullPointerException e) {
            // falls through
        }
        throw new IllegalArgumentException("the Evolution base URL of this instance is not a plain http(s) URL");
    }
}

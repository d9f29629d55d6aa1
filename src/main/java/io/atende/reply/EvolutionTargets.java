package io.atende.reply;

import io.atende.profile.EffectiveProfile;
import io.atende.profile.InstanceProfile;

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
        return ofInstance(part.instance());
    }

    /** The same for a "digitando…" presence, read at each one. */
    public EvolutionTarget of(TypingTarget typing) {
        return ofInstance(typing.instance());
    }

    /** The same for any call to the instance's Evolution (a voice note's audio). */
    public EvolutionTarget ofInstance(String instance) {
        EffectiveProfile p = profiles.apply(instance);
        return new EvolutionTarget(instance, p.enabled(), checked(p.evolutionBaseUrl()), p.evolutionApiKey());
    }

    /** See {@link InstanceProfile.Evolution#isPlainHttpUrl}: profiles are validated so, this guards the toD anyway. */
    static String checked(String baseUrl) {
        if (InstanceProfile.Evolution.isPlainHttpUrl(baseUrl)) {
            return baseUrl;
        }
        throw new IllegalArgumentException("the Evolution base URL of this instance is not a plain http(s) URL");
    }
}

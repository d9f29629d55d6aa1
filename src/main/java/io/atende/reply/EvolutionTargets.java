package io.atende.reply;

import io.atende.profile.EffectiveProfile;

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

    public EvolutionTarget of(OutboundMessage part) {
        EffectiveProfile p = profiles.apply(part.instance());
        return new EvolutionTarget(part.instance(), p.enabled(), p.evolutionBaseUrl(), p.evolutionApiKey());
    }
}

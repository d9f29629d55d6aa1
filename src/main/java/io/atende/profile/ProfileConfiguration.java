package io.atende.profile;

import io.atende.store.Transactions;
import org.apache.camel.BeanInject;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.PropertyInject;

import java.time.Duration;

/** Each instance's profile: the environment's defaults and the cache every stage of the pipeline reads. */
public class ProfileConfiguration implements CamelConfiguration {

    @BindToRegistry(value = "profileDefaults", lazy = true)
    public ProfileDefaults profileDefaults(
            @PropertyInject("atende.llm.system-prompt") String systemPrompt,
            @PropertyInject("atende.llm.model") String model,
            @PropertyInject("atende.llm.temperature") double temperature,
            @PropertyInject("atende.llm.max-reply-tokens") int numPredict,
            @PropertyInject("atende.history.turns") int historyTurns,
            @PropertyInject(value = "atende.llm.fallback-text", defaultValue = "") String fallback,
            @PropertyInject(value = "atende.busy-notice.text", defaultValue = "") String busy,
            @PropertyInject(value = "atende.reply.media-notice", defaultValue = "") String media,
            @PropertyInject("atende.debounce-ms") long debounceMs,
            @PropertyInject("atende.evolution.base-url") String evolutionBaseUrl,
            @PropertyInject(value = "atende.evolution.api-key", defaultValue = "") String evolutionApiKey,
            @BeanInject("quietDefaults") ProfileDefaults.Quiet quiet,
            @BeanInject("talkDefaults") ProfileDefaults.Talk talk) {
        return new ProfileDefaults(systemPrompt, model, temperature, numPredict, historyTurns, fallback, busy, media,
                debounceMs, evolutionBaseUrl, evolutionApiKey, quiet, talk);
    }

    @BindToRegistry(value = "talkDefaults", lazy = true)
    public ProfileDefaults.Talk talkDefaults(
            @PropertyInject("atende.typing.enabled") boolean typing,
            @PropertyInject("atende.split.max-chars") int maxChars,
            @PropertyInject("atende.split.max-parts") int maxParts,
            @PropertyInject("atende.split.ms-per-char") int msPerChar,
            @PropertyInject("atende.voice.enabled") boolean voice,
            @PropertyInject(value = "atende.stt.failed-text", defaultValue = "") String voiceFailed,
            @PropertyInject(value = "atende.stt.too-long-text", defaultValue = "") String voiceTooLong) {
        // the same ranges as a profile's split (ProfileJson), so no environment can set what no profile may
        within("ATENDE_SPLIT_MAX_CHARS", maxChars, ProfileJson.MIN_SPLIT_CHARS, ProfileJson.MAX_TEXT);
        within("ATENDE_SPLIT_MAX_PARTS", maxParts, 1, ProfileJson.MAX_SPLIT_PARTS);
        within("ATENDE_SPLIT_MS_PER_CHAR", msPerChar, 0, ProfileJson.MAX_MS_PER_CHAR);
        return new ProfileDefaults.Talk(typing, new EffectiveProfile.Split(maxChars, maxParts, msPerChar), voice,
                voiceFailed, voiceTooLong);
    }

    private static void within(String setting, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(setting + " must be between " + min + " and " + max + ": " + value);
        }
    }

    /** Human takeover, opt-out and business hours before a profile says otherwise. */
    @BindToRegistry(value = "quietDefaults", lazy = true)
    public ProfileDefaults.Quiet quietDefaults(
            @PropertyInject("atende.handoff.pause-minutes") double pauseMinutes,
            @PropertyInject(value = "atende.handoff.keywords", defaultValue = "") String handoffKeywords,
            @PropertyInject(value = "atende.handoff.resume-keyword", defaultValue = "") String resumeKeyword,
            @PropertyInject(value = "atende.handoff.text", defaultValue = "") String handoffText,
            @PropertyInject(value = "atende.handoff.notify-text", defaultValue = "") String notifyText,
            @PropertyInject(value = "atende.opt-out.keywords", defaultValue = "") String stopKeywords,
            @PropertyInject(value = "atende.opt-in.keywords", defaultValue = "") String optInKeywords,
            @PropertyInject(value = "atende.opt-out.text", defaultValue = "") String optOutText,
            @PropertyInject(value = "atende.opt-in.text", defaultValue = "") String optInText,
            @PropertyInject("atende.hours.time-zone") String timeZone,
            @PropertyInject("atende.hours.out-of-hours-policy") String policy,
            @PropertyInject(value = "atende.hours.out-of-hours-text", defaultValue = "") String outOfHoursText) {
        return new ProfileDefaults.Quiet(pauseMinutes, ProfileDefaults.Quiet.list(handoffKeywords), resumeKeyword,
                ProfileDefaults.Quiet.list(stopKeywords), ProfileDefaults.Quiet.list(optInKeywords),
                java.time.ZoneId.of(timeZone), BusinessHours.Policy.of(policy), handoffText, optOutText, optInText,
                outOfHoursText, notifyText);
    }

    /** Edits reach every replica within ATENDE_PROFILES_REFRESH_MS (this replica's own at once). */
    @BindToRegistry(value = "instanceProfiles", lazy = true)
    public InstanceProfiles instanceProfiles(Transactions tx, ProfileDefaults defaults,
                                             @PropertyInject("atende.profiles.refresh-ms") long refreshMs) {
        return new InstanceProfiles(tx, defaults, Duration.ofMillis(refreshMs));
    }

    /** The admin API's documents: validation, merge patch, rendering with the secrets redacted. */
    @BindToRegistry(value = "profileJson", lazy = true)
    public ProfileJson profileJson() {
        return new ProfileJson();
    }

    /** The profiles in PostgreSQL: versions, history, the instances file's seeds. */
    @BindToRegistry(value = "profileStore", lazy = true)
    public ProfileStore profileStore(Transactions tx, InstanceProfiles instanceProfiles) {
        return new ProfileStore(tx, instanceProfiles);
    }

    /** ATENDE_INSTANCES_FILE (none: every check finds nothing), checked every ATENDE_INSTANCES_CHECK_MS. */
    @BindToRegistry(value = "instancesFile", lazy = true)
    public InstancesFile instancesFile(@PropertyInject(value = "atende.instances.file", defaultValue = "") String file,
                                       ProfileStore profileStore) {
        return new InstancesFile(InstancesFile.path(file), profileStore);
    }
}

package io.atende.ingest;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * One Evolution API webhook, normalised so that the rest of Atende never has to know which Evolution
 * version, LID addressing mode or binary encoding produced it.
 *
 * @param instance     envelope {@code instance}: the Evolution instance, i.e. the tenant
 * @param event        lower-case dotted event name ({@code MESSAGES_UPSERT} and {@code messages-upsert}
 *                     both become {@code messages.upsert})
 * @param waMessageId  {@code data.key.id}; null for non-message events
 * @param chatJid      {@code data.key.remoteJid} as sent, {@code :device} suffix stripped
 * @param contactJid   conversation key: the phone JID when known, else the LID, else {@link #chatJid}
 * @param phoneJid     the {@code @s.whatsapp.net} JID of the contact, when the payload carries one
 * @param lidJid       the {@code @lid} JID of the contact, when the payload carries one
 * @param fromMe       {@code data.key.fromMe}: typed by the operator on a linked device
 * @param pushName     the sender's profile name, when present
 * @param kind         what the bot should do with it
 * @param text         trimmed, non-blank text for {@link Kind#TEXT}; also kept for {@link IgnoreReason#FROM_ME}
 *                     (operator messages drive human handoff) and for the profile's reasons
 *                     ({@link IgnoreReason#byProfile()}); null otherwise
 * @param messageType  {@code data.messageType}, or the content key detected in {@code data.message}
 * @param ignoreReason why the event is {@link Kind#IGNORED}; null otherwise
 * @param sentAt       {@code data.messageTimestamp}; null when absent or unusable
 * @param voiceSeconds for a voice note (audio without a transcript): its length in seconds as the payload says (0
 *                     when it does not); null for anything else
 */
public record InboundEvent(
        String instance,
        String event,
        String waMessageId,
        String chatJid,
        String contactJid,
        String phoneJid,
        String lidJid,
        boolean fromMe,
        String pushName,
        Kind kind,
        String text,
        String messageType,
        IgnoreReason ignoreReason,
        Instant sentAt,
        Integer voiceSeconds) {

    /** Anything but a voice note. */
    public InboundEvent(String instance, String event, String waMessageId, String chatJid, String contactJid,
                        String phoneJid, String lidJid, boolean fromMe, String pushName, Kind kind, String text,
                        String messageType, IgnoreReason ignoreReason, Instant sentAt) {
        this(instance, event, waMessageId, chatJid, contactJid, phoneJid, lidJid, fromMe, pushName, kind, text,
                messageType, ignoreReason, sentAt, null);
    }

    /** What the pipeline does with an event. */
    public enum Kind {
        /** Customer text (or caption / transcript): goes to the assistant. */
        TEXT,
        /** Customer content the assistant cannot read (audio without transcript, sticker, location…). */
        MEDIA_WITHOUT_TEXT,
        /** Not for the assistant; see {@link IgnoreReason}. */
        IGNORED;

        /** Stable lower-case name for storage and metrics. */
        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Why an event is ignored. Codes are persisted and used as metric tags: do not rename. */
    public enum IgnoreReason {
        OTHER_EVENT,
        GROUP,
        STATUS_BROADCAST,
        BROADCAST_LIST,
        NEWSLETTER,
        FROM_ME,
        REACTION,
        PROTOCOL,
        /** The number's profile says {@code enabled: false}: stored, never answered. */
        DISABLED,
        /** The contact matches the number's {@code ignoreJids}. */
        IGNORE_LIST,
        /** The number has {@code allowJids} and the contact matches none of them. */
        NOT_ALLOWED,
        /** The number's keyword trigger has not started this conversation yet. */
        NO_TRIGGER;

        /** Stable lower-case name for storage and metrics, e.g. {@code "group"}. */
        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * Set by the number's profile (screening), not by what the message is: the message belongs to its
         * contact's conversation and is stored there, text included, so the transcript shows it.
         */
        public boolean byProfile() {
            return this == DISABLED || this == IGNORE_LIST || this == NOT_ALLOWED || this == NO_TRIGGER;
        }
    }

    public InboundEvent {
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(kind, "kind");
        // Keep the two fields in lock-step so consumers can switch on either without surprises.
        if ((kind == Kind.IGNORED) != (ignoreReason != null)) {
            throw new IllegalArgumentException("ignoreReason must be set exactly when kind is IGNORED");
        }
        if (kind == Kind.TEXT && (text == null || text.isBlank())) {
            throw new IllegalArgumentException("TEXT events need non-blank text");
        }
    }

    /** An event we do not process at all: only the envelope is kept. */
    static InboundEvent otherEvent(String instance, String event) {
        return new InboundEvent(instance, event, null, null, null, null, null, false, null,
                Kind.IGNORED, null, null, IgnoreReason.OTHER_EVENT, null);
    }

    /** The same message, not to be answered, for a reason of the number's profile; its text is kept. */
    public InboundEvent ignoredBecause(IgnoreReason reason) {
        if (!reason.byProfile()) {
            throw new IllegalArgumentException(reason + " is the parser's decision, not the profile's");
        }
        return new InboundEvent(instance, event, waMessageId, chatJid, contactJid, phoneJid, lidJid, fromMe, pushName,
                Kind.IGNORED, text, messageType, reason, sentAt, voiceSeconds);
    }

    public boolean isIgnored() {
        return kind == Kind.IGNORED;
    }

    /** True when the assistant should produce an answer for this event. */
    public boolean needsAnswer() {
        return kind == Kind.TEXT && !isIgnored();
    }

    public boolean isMediaWithoutText() {
        return kind == Kind.MEDIA_WITHOUT_TEXT;
    }

    /** A customer's audio without a transcript: transcribed when speech to text is on, else media like the rest. */
    public boolean isVoiceNote() {
        return kind == Kind.MEDIA_WITHOUT_TEXT && voiceSeconds != null;
    }
}

package io.atende.profile;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A number's business hours, evaluated in its own time zone with the zone's rules (a daylight-saving change moves
 * the opening in UTC, never the local "09:00"). A day absent from the weekly schedule, and a holiday, is closed all
 * day; without a weekly schedule the number is always open, except on its holidays.
 */
public final class BusinessHours {

    /** What a customer's message gets while the number is closed. */
    public enum Policy {
        /** Answered as usual, no notice. */
        ANSWER("answer"),
        /** The out-of-hours notice (once per closed period), and the answer. */
        NOTICE_AND_ANSWER("notice-and-answer"),
        /** The notice only: the message is not answered, not even once the number opens. */
        NOTICE_ONLY("notice-only");

        private final String code;

        Policy(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }

        /** @throws IllegalArgumentException for anything but the three codes */
        public static Policy of(String code) {
            for (Policy p : values()) {
                if (p.code.equals(code)) {
                    return p;
                }
            }
            throw new IllegalArgumentException("must be answer, notice-and-answer or notice-only");
        }
    }

    /** The day keys of {@code weekly}, in the API's spelling. */
    public static final List<String> DAYS = List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun");

    private static final Pattern INTERVAL = Pattern.compile("([0-2][0-9]):([0-5][0-9])-([0-2][0-9]):([0-5][0-9])");
    /** How far back a closed period's start is looked for: a schedule open less than once a year is always closed. */
    private static final int LOOK_BACK_DAYS = 400;

    private record Interval(LocalTime start, LocalTime end, boolean untilMidnight) {
        /** Minutes of the day, 24:00 as 1440. */
        private int endMinute() {
            return untilMidnight ? 24 * 60 : end.getHour() * 60 + end.getMinute();
        }

        private int startMinute() {
            return start.getHour() * 60 + start.getMinute();
        }

        boolean overlaps(Interval other) {
            return startMinute() < other.endMinute() && other.startMinute() < endMinute();
        }
    }

    private final ZoneId zone;
    private final Map<DayOfWeek, List<Interval>> weekly; // null: every day open all day
    private final Set<LocalDate> holidays;
    private final Policy policy;

    private BusinessHours(ZoneId zone, Map<DayOfWeek, List<Interval>> weekly, Set<LocalDate> holidays, Policy policy) {
        this.zone = zone;
        this.weekly = weekly;
        this.holidays = holidays;
        this.policy = policy;
    }

    /** No schedule: always open. */
    public static BusinessHours alwaysOpen(ZoneId zone) {
        return new BusinessHours(zone, null, Set.of(), Policy.ANSWER);
    }

    /**
     * @param hours         the profile's {@code hours}, or null
     * @param defaultZone   the zone when the profile names none
     * @param defaultPolicy the policy when the profile names none
     * @throws IllegalArgumentException naming the field ({@code hours.weekly.mon[1]}) of a bad value
     */
    public static BusinessHours of(InstanceProfile.Hours hours, ZoneId defaultZone, Policy defaultPolicy) {
        if (hours == null) {
            return new BusinessHours(defaultZone, null, Set.of(), defaultPolicy);
        }
        ZoneId zone = defaultZone;
        if (hours.timeZone() != null) {
            try {
                zone = ZoneId.of(hours.timeZone());
            } catch (DateTimeException e) {
                throw new IllegalArgumentException("hours.timeZone: not a time zone (e.g. America/Sao_Paulo)");
            }
        }
        Policy policy = defaultPolicy;
        if (hours.outOfHoursPolicy() != null) {
            try {
                policy = Policy.of(hours.outOfHoursPolicy());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("hours.outOfHoursPolicy: " + e.getMessage());
            }
        }
        Map<DayOfWeek, List<Interval>> weekly = null;
        if (hours.weekly() != null) {
            weekly = new EnumMap<>(DayOfWeek.class);
            for (Map.Entry<String, List<String>> day : hours.weekly().entrySet()) {
                int index = DAYS.indexOf(day.getKey());
                if (index < 0) {
                    throw new IllegalArgumentException("hours.weekly." + day.getKey() + ": not a day (mon ... sun)");
                }
                List<Interval> intervals = new ArrayList<>();
                List<String> raw = day.getValue() == null ? List.of() : day.getValue();
                for (int k = 0; k < raw.size(); k++) {
                    String field = "hours.weekly." + day.getKey() + "[" + k + "]";
                    Interval next = interval(raw.get(k), field);
                    // openBetween adds the intervals up: an overlap would count its time twice (and is a typo anyway)
                    for (int j = 0; j < intervals.size(); j++) {
                        if (next.overlaps(intervals.get(j))) {
                            throw new IllegalArgumentException(field + ": overlaps hours.weekly." + day.getKey()
                                    + "[" + j + "]");
                        }
                    }
                    intervals.add(next);
                }
                weekly.put(DayOfWeek.of(index + 1), List.copyOf(intervals));
            }
        }
        Set<LocalDate> holidays = new HashSet<>();
        List<String> rawHolidays = hours.holidays() == null ? List.of() : hours.holidays();
        for (int k = 0; k < rawHolidays.size(); k++) {
            try {
                holidays.add(LocalDate.parse(rawHolidays.get(k)));
            } catch (DateTimeParseException | NullPointerException e) {
                throw new IllegalArgumentException("hours.holidays[" + k + "]: not an ISO date (e.g. 2026-12-25)");
            }
        }
        return new BusinessHours(zone, weekly, Set.copyOf(holidays), policy);
    }

    private static Interval interval(String raw, String field) {
        Matcher m = raw == null ? null : INTERVAL.matcher(raw.strip());
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException(field + ": must be HH:MM-HH:MM, e.g. 09:00-18:00");
        }
        int sh = Integer.parseInt(m.group(1)), sm = Integer.parseInt(m.group(2));
        int eh = Integer.parseInt(m.group(3)), em = Integer.parseInt(m.group(4));
        boolean midnight = eh == 24 && em == 0;
        if (sh > 23 || (eh > 23 && !midnight)) {
            throw new IllegalArgumentException(field + ": hours run from 00:00 to 24:00");
        }
        LocalTime start = LocalTime.of(sh, sm);
        LocalTime end = midnight ? LocalTime.MIDNIGHT : LocalTime.of(eh, em);
        if (!midnight && !end.isAfter(start)) {
            throw new IllegalArgumentException(field + ": the end must come after the start (use 24:00 for midnight)");
        }
        return new Interval(start, end, midnight);
    }

    public ZoneId zone() {
        return zone;
    }

    public Policy policy() {
        return policy;
    }

    /** True when the schedule can be closed at all (a weekly schedule or a holiday). */
    public boolean hasSchedule() {
        return weekly != null || !holidays.isEmpty();
    }

    public boolean isOpen(Instant t) {
        if (!hasSchedule()) {
            return true;
        }
        LocalDate today = t.atZone(zone).toLocalDate();
        for (LocalDate d = today.minusDays(1); !d.isAfter(today); d = d.plusDays(1)) {
            for (Instant[] open : openOn(d)) {
                if (!t.isBefore(open[0]) && t.isBefore(open[1])) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The start of the closed period {@code t} falls in: when the number last closed (the end of its last open interval,
     * {@link Instant#EPOCH} when it has not been open for over a year); null when it is open at {@code t}. One
     * out-of-hours notice goes out per conversation and closed period.
     */
    public Instant closedSince(Instant t) {
        if (isOpen(t)) {
            return null;
        }
        LocalDate today = t.atZone(zone).toLocalDate();
        for (int back = 0; back <= LOOK_BACK_DAYS; back++) {
            Instant last = null;
            for (Instant[] open : openOn(today.minusDays(back))) {
                if (!open[1].isAfter(t) && (last == null || open[1].isAfter(last))) {
                    last = open[1];
                }
            }
            if (last != null) {
                return last;
            }
        }
        return Instant.EPOCH;
    }

    /** How long the number was open between two instants (a handoff waits for an attendant only in open hours). */
    public Duration openBetween(Instant from, Instant to) {
        if (!to.isAfter(from)) {
            return Duration.ZERO;
        }
        if (!hasSchedule()) {
            return Duration.between(from, to);
        }
        Duration total = Duration.ZERO;
        LocalDate last = to.atZone(zone).toLocalDate();
        for (LocalDate d = from.atZone(zone).toLocalDate().minusDays(1); !d.isAfter(last); d = d.plusDays(1)) {
            for (Instant[] open : openOn(d)) {
                Instant a = open[0].isAfter(from) ? open[0] : from;
                Instant b = open[1].isBefore(to) ? open[1] : to;
                if (b.isAfter(a)) {
                    total = total.plus(Duration.between(a, b));
                }
            }
        }
        return total;
    }

    /** The open intervals of one local date, as instants (the zone's rules decide their length). */
    private List<Instant[]> openOn(LocalDate d) {
        if (holidays.contains(d)) {
            return List.of();
        }
        if (weekly == null) {
            List<Instant[]> day = new ArrayList<>(1);
            day.add(new Instant[]{d.atStartOfDay(zone).toInstant(), d.plusDays(1).atStartOfDay(zone).toInstant()});
            return day;
        }
        List<Interval> intervals = weekly.getOrDefault(d.getDayOfWeek(), List.of());
        List<Instant[]> out = new ArrayList<>(intervals.size());
        for (Interval i : intervals) {
            Instant start = ZonedDateTime.of(d, i.start(), zone).toInstant();
            Instant end = i.untilMidnight() ? d.plusDays(1).atStartOfDay(zone).toInstant()
                    : ZonedDateTime.of(d, i.end(), zone).toInstant();
            if (end.isAfter(start)) {
                out.add(new Instant[]{start, end});
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "BusinessHours[" + zone + ", " + (weekly == null ? "all week" : weekly.keySet().toString().toLowerCase(Locale.ROOT))
                + ", " + policy.code() + "]";
    }
}

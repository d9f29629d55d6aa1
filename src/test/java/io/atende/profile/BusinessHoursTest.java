package io.atende.profile;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Open and closed in the number's own zone, holidays, the closed period's start, open time across nights and DST. */
class BusinessHoursTest {

    static final ZoneId SAO_PAULO = ZoneId.of("America/Sao_Paulo");
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    /** Mon–Fri 09:00–12:00 and 13:00–18:00, Sat 09:00–13:00, Sunday closed; 2026-03-02 is a Monday. */
    static final BusinessHours SHOP = hours("America/Sao_Paulo", Map.of(
            "mon", List.of("09:00-12:00", "13:00-18:00"), "tue", List.of("09:00-12:00", "13:00-18:00"),
            "wed", List.of("09:00-12:00", "13:00-18:00"), "thu", List.of("09:00-12:00", "13:00-18:00"),
            "fri", List.of("09:00-12:00", "13:00-18:00"), "sat", List.of("09:00-13:00")), List.of("2026-12-25"));

    static BusinessHours hours(String zone, Map<String, List<String>> weekly, List<String> holidays) {
        return BusinessHours.of(new InstanceProfile.Hours(zone, weekly, holidays, null), SAO_PAULO,
                BusinessHours.Policy.ANSWER);
    }

    static Instant at(String localDateTime, ZoneId zone) {
        return LocalDateTime.parse(localDateTime).atZone(zone).toInstant();
    }

    static Instant sp(String localDateTime) {
        return at(localDateTime, SAO_PAULO);
    }

    @Test
    void openInsideAnIntervalClosedOutsideTheEndExcluded() {
        assertThat(SHOP.hasSchedule()).isTrue();
        assertThat(SHOP.isOpen(sp("2026-03-02T09:00"))).isTrue();
        assertThat(SHOP.isOpen(sp("2026-03-02T11:59:59"))).isTrue();
        assertThat(SHOP.isOpen(sp("2026-03-02T12:00"))).isFalse(); // lunch
        assertThat(SHOP.isOpen(sp("2026-03-02T17:59"))).isTrue();
        assertThat(SHOP.isOpen(sp("2026-03-02T18:00"))).isFalse();
        assertThat(SHOP.isOpen(sp("2026-03-02T08:59"))).isFalse();
        assertThat(SHOP.isOpen(sp("2026-03-07T12:30"))).isTrue(); // Saturday
        assertThat(SHOP.isOpen(sp("2026-03-01T10:00"))).isFalse(); // Sunday: absent, closed
        // The instant is read in the number's zone: 12:30 UTC is 09:30 in São Paulo.
        assertThat(SHOP.isOpen(Instant.parse("2026-03-02T12:30:00Z"))).isTrue();
    }

    @Test
    void withoutAScheduleAlwaysOpenAndTheDefaultsApply() {
        BusinessHours none = BusinessHours.of(null, BERLIN, BusinessHours.Policy.NOTICE_ONLY);
        assertThat(none.hasSchedule()).isFalse();
        assertThat(none.zone()).isEqualTo(BERLIN);
        assertThat(none.policy()).isEqualTo(BusinessHours.Policy.NOTICE_ONLY);
        assertThat(none.isOpen(sp("2026-03-01T03:00"))).isTrue();
        assertThat(none.closedSince(sp("2026-03-01T03:00"))).isNull();
        assertThat(none.openBetween(sp("2026-03-01T00:00"), sp("2026-03-02T00:00"))).isEqualTo(Duration.ofHours(24));
        BusinessHours own = BusinessHours.of(new InstanceProfile.Hours("Europe/Lisbon", null, null, "notice-and-answer"),
                BERLIN, BusinessHours.Policy.ANSWER);
        assertThat(own.zone()).isEqualTo(ZoneId.of("Europe/Lisbon"));
        assertThat(own.policy()).isEqualTo(BusinessHours.Policy.NOTICE_AND_ANSWER);
        assertThat(BusinessHours.alwaysOpen(SAO_PAULO).isOpen(Instant.EPOCH)).isTrue();
    }

    @Test
    void untilMidnightJoinsTheNextDaysEarlyHours() {
        BusinessHours bar = hours(null, Map.of("fri", List.of("18:00-24:00"), "sat", List.of("00:00-02:00")), null);
        assertThat(bar.isOpen(sp("2026-03-06T23:59:59"))).isTrue();
        assertThat(bar.isOpen(sp("2026-03-07T00:00"))).isTrue();
        assertThat(bar.isOpen(sp("2026-03-07T01:59"))).isTrue();
        assertThat(bar.isOpen(sp("2026-03-07T02:00"))).isFalse();
        assertThat(bar.closedSince(sp("2026-03-07T03:00"))).isEqualTo(sp("2026-03-07T02:00"));
        // Across the night: Fri 20:00 to Sat 01:00 is open all along.
        assertThat(bar.openBetween(sp("2026-03-06T20:00"), sp("2026-03-07T01:00"))).isEqualTo(Duration.ofHours(5));
        // Fri 17:00 to Sat 10:00: 18:00–24:00 and 00:00–02:00.
        assertThat(bar.openBetween(sp("2026-03-06T17:00"), sp("2026-03-07T10:00"))).isEqualTo(Duration.ofHours(8));
        // Only Friday's 24:00 interval, seen from Saturday: it ends at Saturday's midnight.
        BusinessHours late = hours(null, Map.of("fri", List.of("22:00-24:00")), null);
        assertThat(late.closedSince(sp("2026-03-07T09:00"))).isEqualTo(sp("2026-03-07T00:00"));
    }

    @Test
    void holidaysAreClosedAllDay() {
        assertThat(SHOP.isOpen(sp("2026-12-25T10:00"))).isFalse(); // a Friday
        assertThat(SHOP.isOpen(sp("2026-12-24T10:00"))).isTrue();
        assertThat(SHOP.isOpen(sp("2026-12-26T10:00"))).isTrue();
        assertThat(SHOP.closedSince(sp("2026-12-25T15:00"))).isEqualTo(sp("2026-12-24T18:00"));
        // No weekly schedule: open every day but the holidays.
        BusinessHours allWeek = hours(null, null, List.of("2026-12-25"));
        assertThat(allWeek.hasSchedule()).isTrue();
        assertThat(allWeek.isOpen(sp("2026-12-24T23:59"))).isTrue();
        assertThat(allWeek.isOpen(sp("2026-12-25T12:00"))).isFalse();
        assertThat(allWeek.isOpen(sp("2026-12-26T00:00"))).isTrue();
        assertThat(allWeek.closedSince(sp("2026-12-25T12:00"))).isEqualTo(sp("2026-12-25T00:00"));
        assertThat(allWeek.openBetween(sp("2026-12-24T12:00"), sp("2026-12-26T12:00"))).isEqualTo(Duration.ofHours(24));
    }

    @Test
    void closedSinceIsTheEndOfTheLastOpenInterval() {
        assertThat(SHOP.closedSince(sp("2026-03-02T10:00"))).as("open").isNull();
        assertThat(SHOP.closedSince(sp("2026-03-02T12:30"))).isEqualTo(sp("2026-03-02T12:00"));
        assertThat(SHOP.closedSince(sp("2026-03-02T20:00"))).isEqualTo(sp("2026-03-02T18:00"));
        assertThat(SHOP.closedSince(sp("2026-03-03T08:00"))).isEqualTo(sp("2026-03-02T18:00"));
        // Sunday and Monday morning are the same closed period, which began on Saturday at 13:00.
        assertThat(SHOP.closedSince(sp("2026-03-01T10:00"))).isEqualTo(sp("2026-02-28T13:00"));
        assertThat(SHOP.closedSince(sp("2026-03-02T08:59"))).isEqualTo(sp("2026-02-28T13:00"));
        // Never open: one closed period since the epoch.
        BusinessHours never = hours(null, Map.of(), null);
        assertThat(never.isOpen(sp("2026-03-02T10:00"))).isFalse();
        assertThat(never.closedSince(sp("2026-03-02T10:00"))).isEqualTo(Instant.EPOCH);
        assertThat(never.openBetween(sp("2026-03-01T00:00"), sp("2026-03-09T00:00"))).isEqualTo(Duration.ZERO);
    }

    @Test
    void openBetweenCountsOnlyOpenTime() {
        // Mon 08:00 to Tue 10:00: 3 h + 5 h on Monday, 1 h on Tuesday.
        assertThat(SHOP.openBetween(sp("2026-03-02T08:00"), sp("2026-03-03T10:00"))).isEqualTo(Duration.ofHours(9));
        assertThat(SHOP.openBetween(sp("2026-03-02T12:10"), sp("2026-03-02T12:50"))).isEqualTo(Duration.ZERO);
        assertThat(SHOP.openBetween(sp("2026-03-02T11:30"), sp("2026-03-02T13:30"))).isEqualTo(Duration.ofHours(1));
        // Sat 12:00 to Mon 09:30: Saturday's last hour and Monday's first half hour.
        assertThat(SHOP.openBetween(sp("2026-03-07T12:00"), sp("2026-03-09T09:30"))).isEqualTo(Duration.ofMinutes(90));
        assertThat(SHOP.openBetween(sp("2026-03-02T10:00"), sp("2026-03-02T09:00"))).isEqualTo(Duration.ZERO);
    }

    @Test
    void aDaylightSavingChangeMovesTheOpeningInUtcNotLocally() {
        // Berlin, 2026-03-29 (a Sunday): 02:00 CET becomes 03:00 CEST.
        Map<String, List<String>> everyDay = new LinkedHashMap<>();
        BusinessHours.DAYS.forEach(d -> everyDay.put(d, List.of("09:00-17:00")));
        BusinessHours berlin = hours("Europe/Berlin", everyDay, null);
        assertThat(at("2026-03-28T09:00", BERLIN)).isEqualTo(Instant.parse("2026-03-28T08:00:00Z"));
        assertThat(at("2026-03-29T09:00", BERLIN)).isEqualTo(Instant.parse("2026-03-29T07:00:00Z"));
        // 07:30 UTC is 08:30 on Saturday (closed) and 09:30 on Sunday (open).
        assertThat(berlin.isOpen(Instant.parse("2026-03-28T07:30:00Z"))).isFalse();
        assertThat(berlin.isOpen(Instant.parse("2026-03-29T07:30:00Z"))).isTrue();
        assertThat(berlin.isOpen(Instant.parse("2026-03-28T16:30:00Z"))).isFalse(); // 17:30 CET
        assertThat(berlin.isOpen(Instant.parse("2026-03-29T14:30:00Z"))).isTrue(); // 16:30 CEST
        assertThat(berlin.closedSince(Instant.parse("2026-03-29T06:00:00Z")))
                .isEqualTo(Instant.parse("2026-03-28T16:00:00Z")); // Saturday's 17:00 CET

        // An interval spanning the change is an hour shorter in real time.
        BusinessHours night = hours("Europe/Berlin", Map.of("sun", List.of("01:00-05:00")), null);
        assertThat(night.openBetween(Instant.parse("2026-03-28T12:00:00Z"), Instant.parse("2026-03-29T12:00:00Z")))
                .isEqualTo(Duration.ofHours(3));
        assertThat(night.isOpen(Instant.parse("2026-03-29T00:00:00Z"))).isTrue(); // 01:00 CET
        assertThat(night.isOpen(Instant.parse("2026-03-29T03:00:00Z"))).isFalse(); // 05:00 CEST
        assertThat(night.closedSince(Instant.parse("2026-03-29T04:00:00Z")))
                .isEqualTo(Instant.parse("2026-03-29T03:00:00Z"));
        // The whole day lasts 23 hours.
        BusinessHours allDay = hours("Europe/Berlin", Map.of("sun", List.of("00:00-24:00")), null);
        assertThat(allDay.openBetween(Instant.parse("2026-03-28T00:00:00Z"), Instant.parse("2026-03-30T00:00:00Z")))
                .isEqualTo(Duration.ofHours(23));
    }

    @Test
    void saoPaulosLastDaylightSavingStartHadNoMidnight() {
        // 2018-11-04 (a Sunday): 00:00 -03 became 01:00 -02, so the day began at 01:00 and lasted 23 hours.
        BusinessHours allWeek = hours("America/Sao_Paulo", Map.of("sat", List.of("09:00-24:00"),
                "sun", List.of("00:00-24:00"), "mon", List.of("09:00-18:00")), null);
        assertThat(allWeek.openBetween(Instant.parse("2018-11-04T00:00:00Z"), Instant.parse("2018-11-05T12:00:00Z")))
                .as("Saturday's evening, all of Sunday, Monday until 09:00 -02")
                .isEqualTo(Duration.ofHours(3 + 23 + 1));
        assertThat(at("2018-11-03T09:00", SAO_PAULO)).isEqualTo(Instant.parse("2018-11-03T12:00:00Z"));
        assertThat(at("2018-11-05T09:00", SAO_PAULO)).isEqualTo(Instant.parse("2018-11-05T11:00:00Z"));
        assertThat(allWeek.isOpen(Instant.parse("2018-11-05T11:30:00Z"))).isTrue(); // 09:30 -02
        assertThat(allWeek.isOpen(Instant.parse("2018-11-05T10:30:00Z"))).isFalse(); // 08:30 -02
        // The midnight that did not exist: Saturday's 24:00 is Sunday's 01:00 -02, open straight through.
        assertThat(allWeek.isOpen(Instant.parse("2018-11-04T02:59:59Z"))).isTrue();
        assertThat(allWeek.isOpen(Instant.parse("2018-11-04T03:00:00Z"))).isTrue();
        assertThat(allWeek.closedSince(Instant.parse("2018-11-05T10:30:00Z")))
                .isEqualTo(Instant.parse("2018-11-05T02:00:00Z")); // Monday's 00:00 -02
    }

    @Test
    void badValuesNameTheirField() {
        assertError(Map.of("mon", List.of("09:00-12:00", "25:00-26:00")), null, "hours.weekly.mon[1]: ");
        assertError(Map.of("tue", List.of("18:00-09:00")), null, "hours.weekly.tue[0]: the end must come after");
        assertError(Map.of("wed", List.of("9h-18h")), null, "hours.weekly.wed[0]: must be HH:MM-HH:MM");
        assertError(Map.of("thu", List.of("24:00-24:00")), null, "hours.weekly.thu[0]: ");
        assertError(Map.of("fri", List.of("09:00-24:30")), null, "hours.weekly.fri[0]: ");
        assertError(Map.of("sat", List.of("09:00-13:00", "12:00-14:00")), null,
                "hours.weekly.sat[1]: overlaps hours.weekly.sat[0]");
        assertError(Map.of("monday", List.of("09:00-12:00")), null, "hours.weekly.monday: not a day");
        assertError(null, List.of("2026-12-25", "25/12/2026"), "hours.holidays[1]: not an ISO date");
        assertThatThrownBy(() -> BusinessHours.of(new InstanceProfile.Hours("Mars/Olympus", null, null, null),
                SAO_PAULO, BusinessHours.Policy.ANSWER)).hasMessageStartingWith("hours.timeZone: ");
        assertThatThrownBy(() -> BusinessHours.of(new InstanceProfile.Hours(null, null, null, "sometimes"),
                SAO_PAULO, BusinessHours.Policy.ANSWER)).hasMessageStartingWith("hours.outOfHoursPolicy: ");
        // Adjacent intervals do not overlap.
        assertThat(hours(null, Map.of("mon", List.of("09:00-12:00", "12:00-24:00")), null)
                .openBetween(sp("2026-03-02T00:00"), sp("2026-03-03T00:00"))).isEqualTo(Duration.ofHours(15));
    }

    static void assertError(Map<String, List<String>> weekly, List<String> holidays, String start) {
        assertThatThrownBy(() -> hours(null, weekly, holidays)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(start);
    }

    @Test
    void policiesByTheirCodes() {
        for (BusinessHours.Policy p : BusinessHours.Policy.values()) {
            assertThat(BusinessHours.Policy.of(p.code())).isEqualTo(p);
        }
        assertThat(BusinessHours.Policy.NOTICE_ONLY.code()).isEqualTo("notice-only");
        assertThatThrownBy(() -> BusinessHours.Policy.of("NOTICE-ONLY")).isInstanceOf(IllegalArgumentException.class);
    }
}

use super::*;

fn d(s: &str) -> Date {
    Date::parse(s).unwrap_or_else(|| panic!("bad test date {s}"))
}

fn supported(until: &str, days_left: i64, lts: bool) -> Support {
    Support::Supported {
        until: d(until),
        days_left,
        lts,
    }
}

// --- the embedded calendar ---

#[test]
fn embedded_calendar_parses_with_every_minor() {
    let cal = loaded().as_ref().expect("embedded calendar");
    let minors: Vec<(u32, u32)> = cal.rows.iter().map(|r| r.version).collect();
    let expected: Vec<(u32, u32)> = (19..=37).map(|m| (1, m)).collect();
    assert_eq!(minors, expected);
    assert_eq!(first_minor(), Some((1, 19)));
    assert_eq!(cal.retrieved, d("2026-08-21"));
    assert_eq!(retrieved(), d("2026-08-21"));
    for r in &cal.rows {
        assert_eq!(
            r.planned,
            r.version == (1, 37),
            "planned flag of {:?}",
            r.version
        );
        // LTS began with 1.27.
        assert_eq!(
            r.lts_eol.is_some(),
            r.version >= (1, 27),
            "LTS EOL of {:?}",
            r.version
        );
        // Every row has a GA and a community end of life.
        assert!(r.ga.is_some(), "GA of {:?}", r.version);
        assert!(
            r.community_eol.is_some(),
            "community EOL of {:?}",
            r.version
        );
        // The page had no platform-support column while 1.19-1.23 were listed.
        assert_eq!(
            r.platform_until.is_some(),
            r.version >= (1, 24),
            "platform support of {:?}",
            r.version
        );
    }
}

#[test]
fn embedded_calendar_values() {
    let cal = loaded().as_ref().expect("embedded calendar");
    let row = |m: u32| cal.rows.iter().find(|r| r.version == (1, m)).unwrap();
    // Month-only dates are the last day of the month; exact dates stay as given.
    assert_eq!(row(33).community_eol, Some(d("2026-07-31")));
    assert_eq!(row(33).ga, Some(d("2025-06-30")));
    assert_eq!(row(30).community_eol, Some(d("2025-08-22")));
    assert_eq!(row(31).community_eol, Some(d("2025-11-01")));
    assert_eq!(row(28).lts_eol, Some(d("2026-02-28")));
    assert_eq!(row(29).lts_eol, Some(d("2026-04-30")));
    // The historical rows, from the page's past revisions.
    assert_eq!(row(27).ga, Some(d("2023-07-31")));
    assert_eq!(row(27).community_eol, Some(d("2024-07-31")));
    assert_eq!(row(27).lts_eol, Some(d("2025-07-31")));
    assert_eq!(row(28).ga, Some(d("2023-11-30")));
    assert_eq!(row(28).community_eol, Some(d("2025-01-31")));
    assert_eq!(row(25).community_eol, Some(d("2024-01-14")));
    assert_eq!(row(22).community_eol, Some(d("2022-12-31")));
    // "End of life: 1.22 GA" is the GA date of 1.22's row (Dec 2021), and so on.
    assert_eq!(row(19).community_eol_at_ga_of, Some((1, 22)));
    assert_eq!(row(19).ga, Some(d("2020-11-30")));
    assert_eq!(row(19).community_eol, Some(d("2021-12-31")));
    assert_eq!(row(20).community_eol, Some(d("2022-04-30")));
    assert_eq!(row(21).community_eol, Some(d("2022-07-31")));
    for r in &cal.rows {
        if let Some(m) = r.community_eol_at_ga_of {
            assert_eq!(r.community_eol, row(m.1).ga, "{:?}", r.version);
        }
    }
    // What the page does not give is absent.
    assert_eq!(row(26).lts_eol, None);
    assert_eq!(row(23).platform_until, None);
    assert_eq!(platform_support_until((1, 33)), Some((1, 37)));
    assert_eq!(platform_support_until((1, 29)), Some((1, 33)));
    assert_eq!(platform_support_until((1, 28)), Some((1, 32)));
    assert_eq!(platform_support_until((1, 24)), Some((1, 28)));
    assert_eq!(platform_support_until((1, 22)), None);
    assert_eq!(platform_support_until((1, 50)), None);
    // Platform support of N ends with the GA of N+4 for every row that has it.
    for r in &cal.rows {
        if let Some(p) = r.platform_until {
            assert_eq!(p, (1, r.version.1 + 4));
        }
    }
}

#[test]
fn calendar_reader_refuses_bad_data() {
    let ok = "retrieved: \"2026-08-21\"\nversions:\n  - minor: \"1.30\"\n    communityEol: \"2025-08\"\n";
    assert!(read_calendar(ok).is_ok());
    for bad in [
        "",
        "retrieved: \"2026-08-21\"\n",
        "versions: []\nretrieved: \"2026-08-21\"\n",
        "retrieved: \"2026-8-21\"\nversions:\n  - minor: \"1.30\"\n    communityEol: \"2025-08\"\n",
        // a float, not a quoted minor
        "retrieved: \"2026-08-21\"\nversions:\n  - minor: 1.30\n    communityEol: \"2025-08\"\n",
        "retrieved: \"2026-08-21\"\nversions:\n  - minor: \"1.30.1\"\n    communityEol: \"2025-08\"\n",
        "retrieved: \"2026-08-21\"\nversions:\n  - minor: \"1.30\"\n    communityEOL: \"2025-08\"\n",
        "retrieved: \"2026-08-21\"\nversions:\n  - minor: \"1.30\"\n    communityEol: \"2025-13\"\n",
        "retrieved: \"2026-08-21\"\nversions:\n  - minor: \"1.30\"\n    communityEol: \"2025-02-29\"\n",
        "retrieved: \"2026-08-21\"\nversions:\n  - minor: \"1.30\"\n",
        "retrieved: \"2026-08-21\"\nversions:\n  - minor: \"1.30\"\n    communityEol: \"2026-08\"\n    ltsEol: \"2026-07\"\n",
        "retrieved: \"2026-08-21\"\nversions:\n  - minor: \"1.30\"\n    communityEol: \"2026-08\"\n    planned: maybe\n",
        "retrieved: \"2026-08-21\"\nversions:\n  - minor: \"1.30\"\n    communityEol: \"2026-08\"\n    platformSupportUntil: \"1.29\"\n",
        // a gap and a duplicate
        "retrieved: \"2026-08-21\"\nversions:\n  - minor: \"1.30\"\n    communityEol: \"2026-08\"\n  - minor: \"1.32\"\n    communityEol: \"2027-08\"\n",
        "retrieved: \"2026-08-21\"\nversions:\n  - minor: \"1.30\"\n    communityEol: \"2026-08\"\n  - minor: \"1.30\"\n    communityEol: \"2027-08\"\n",
        "retrieved: \"2026-08-21\"\nextra: 1\nversions:\n  - minor: \"1.30\"\n    communityEol: \"2025-08\"\n",
        "retrieved: \"2026-08-21\"\nversions:\n  - [1, 2]\n",
        // communityEolAtGaOf: both forms, a minor not later, a minor without a row or a GA,
        // a resolved date before the row's own GA
        "retrieved: \"2026-08-21\"\nversions:\n  - minor: \"1.30\"\n    communityEol: \"2025-08\"\n    communityEolAtGaOf: \"1.31\"\n  - minor: \"1.31\"\n    ga: \"2025-01\"\n    communityEol: \"2026-01\"\n",
        "retrieved: \"2026-08-21\"\nversions:\n  - minor: \"1.30\"\n    communityEolAtGaOf: \"1.30\"\n    ga: \"2025-01\"\n",
        "retrieved: \"2026-08-21\"\nversions:\n  - minor: \"1.30\"\n    communityEolAtGaOf: \"1.33\"\n  - minor: \"1.31\"\n    ga: \"2025-01\"\n    communityEol: \"2026-01\"\n",
        "retrieved: \"2026-08-21\"\nversions:\n  - minor: \"1.30\"\n    communityEolAtGaOf: \"1.31\"\n  - minor: \"1.31\"\n    communityEol: \"2026-01\"\n",
        "retrieved: \"2026-08-21\"\nversions:\n  - minor: \"1.30\"\n    ga: \"2025-06\"\n    communityEolAtGaOf: \"1.31\"\n  - minor: \"1.31\"\n    ga: \"2025-01\"\n    communityEol: \"2026-01\"\n",
        "retrieved: \"2026-08-21\"\nversions:\n  - minor: \"1.30\"\n    communityEolAtGaOf: 1.31\n  - minor: \"1.31\"\n    ga: \"2025-01\"\n    communityEol: \"2026-01\"\n",
        "{\"retrieved\": \"2026-08-21\", \"versions\": {}}",
        ": : :\n\t- [",
    ] {
        assert!(read_calendar(bad).is_err(), "accepted: {bad:?}");
    }
}

// --- judging ---

#[test]
fn community_eol_and_grace_of_1_33() {
    let v = (1, 33);
    assert_eq!(
        judge(v, d("2026-07-31"), false),
        supported("2026-07-31", 0, false)
    );
    assert_eq!(
        judge(v, d("2026-08-01"), false),
        Support::Grace {
            ended: d("2026-07-31"),
            lts: false
        }
    );
    assert_eq!(
        judge(v, d("2026-08-30"), false),
        Support::Grace {
            ended: d("2026-07-31"),
            lts: false
        }
    );
    assert_eq!(
        judge(v, d("2026-08-31"), false),
        Support::OutOfSupport {
            ended: d("2026-07-31"),
            lts: false
        }
    );
    // The warning threshold: 60 days before is the first warned day.
    assert_eq!(
        judge(v, d("2026-06-01"), false),
        supported("2026-07-31", 60, false)
    );
    assert_eq!(
        judge(v, d("2026-05-31"), false),
        supported("2026-07-31", 61, false)
    );
    // With LTS the same minor runs another year.
    assert_eq!(
        judge(v, d("2026-08-31"), true),
        supported("2027-07-31", 334, true)
    );
    // Right after GA (last day of Jun 2025).
    assert_eq!(
        judge(v, d("2025-06-30"), false),
        supported("2026-07-31", 396, false)
    );
    assert_eq!(judge(v, d("2025-06-29"), false), Support::NotYetGa);
}

#[test]
fn lts_of_1_30() {
    let v = (1, 30);
    // Community support ended on the exact date 2025-08-22.
    assert_eq!(
        judge(v, d("2026-07-15"), false),
        Support::OutOfSupport {
            ended: d("2025-08-22"),
            lts: false
        }
    );
    assert_eq!(
        judge(v, d("2025-08-22"), false),
        supported("2025-08-22", 0, false)
    );
    assert_eq!(
        judge(v, d("2025-09-21"), false),
        Support::Grace {
            ended: d("2025-08-22"),
            lts: false
        }
    );
    assert_eq!(
        judge(v, d("2025-09-22"), false),
        Support::OutOfSupport {
            ended: d("2025-08-22"),
            lts: false
        }
    );
    // LTS (Premium + AKSLongTermSupport): until the end of Jul 2026.
    assert_eq!(
        judge(v, d("2026-07-15"), true),
        supported("2026-07-31", 16, true)
    );
    assert_eq!(
        judge(v, d("2026-08-30"), true),
        Support::Grace {
            ended: d("2026-07-31"),
            lts: true
        }
    );
    assert_eq!(
        judge(v, d("2026-11-29"), true),
        Support::OutOfSupport {
            ended: d("2026-07-31"),
            lts: true
        }
    );
}

#[test]
fn current_rows_on_2026_11_29() {
    let day = d("2026-11-29");
    assert_eq!(
        judge((1, 34), day, false),
        supported("2026-11-30", 1, false)
    );
    assert_eq!(judge((1, 31), day, true), supported("2026-11-30", 1, true));
    assert_eq!(
        judge((1, 35), day, false),
        supported("2027-03-31", 122, false)
    );
    assert_eq!(
        judge((1, 32), day, false),
        Support::OutOfSupport {
            ended: d("2026-03-31"),
            lts: false
        }
    );
}

#[test]
fn rows_with_missing_dates() {
    // A calendar of its own: 1.27 has only an LTS end of life, 1.28 a community one.
    let cal = read_calendar(
        "retrieved: \"2026-08-21\"\nversions:\n  - minor: \"1.27\"\n    ltsEol: \"2025-07\"\n  - minor: \"1.28\"\n    communityEol: \"2025-01\"\n    ltsEol: \"2026-02\"\n",
    )
    .expect("test calendar");
    let judge = |v, day: &str, lts| judge_in(&cal, v, d(day), lts);
    assert_eq!(
        judge((1, 27), "2025-07-31", true),
        supported("2025-07-31", 0, true)
    );
    assert_eq!(
        judge((1, 27), "2025-09-01", true),
        Support::OutOfSupport {
            ended: d("2025-07-31"),
            lts: true
        }
    );
    // Without LTS 1.27 has no date of its own: out of support once 1.28's support has ended,
    // undecided before.
    assert_eq!(
        judge((1, 27), "2025-07-01", false),
        Support::BeforeCalendar {
            newer: (1, 28),
            newer_ended: d("2025-01-31")
        }
    );
    assert_eq!(judge((1, 27), "2025-01-31", false), Support::Unknown);
    assert_eq!(judge((1, 27), "2024-06-01", false), Support::Unknown);
    // No GA date: GA whatever the date.
    assert_eq!(
        judge((1, 28), "2025-01-31", false),
        supported("2025-01-31", 0, false)
    );
    assert_eq!(
        judge((1, 28), "2026-02-28", true),
        supported("2026-02-28", 0, true)
    );
    assert_eq!(
        judge((1, 28), "2026-03-01", true),
        Support::Grace {
            ended: d("2026-02-28"),
            lts: true
        }
    );
    // Older than the first row.
    assert_eq!(
        judge((1, 26), "2025-02-01", false),
        Support::BeforeCalendar {
            newer: (1, 28),
            newer_ended: d("2025-01-31")
        }
    );
    assert_eq!(judge((1, 26), "2025-01-31", true), Support::Unknown);
}

#[test]
fn outside_the_calendar() {
    let ended_1_19 = Support::BeforeCalendar {
        newer: (1, 19),
        newer_ended: d("2021-12-31"),
    };
    for lts in [false, true] {
        for day in ["2026-11-29", "2040-01-01", "2022-01-01"] {
            assert_eq!(judge((1, 18), d(day), lts), ended_1_19);
            assert_eq!(judge((1, 0), d(day), lts), ended_1_19);
            assert_eq!(judge((0, 99), d(day), lts), ended_1_19);
        }
        // While 1.19 was still supported, the calendar cannot say whether 1.18 was.
        for day in ["2020-01-01", "2021-03-01", "2021-12-31"] {
            assert_eq!(judge((1, 18), d(day), lts), Support::Unknown);
            assert_eq!(judge((0, 99), d(day), lts), Support::Unknown);
        }
        for day in ["2020-01-01", "2026-11-29", "2040-01-01"] {
            assert_eq!(judge((1, 38), d(day), lts), Support::NotYetGa);
            assert_eq!(judge((2, 0), d(day), lts), Support::NotYetGa);
            assert_eq!(judge((u32::MAX, u32::MAX), d(day), lts), Support::NotYetGa);
        }
    }
}

// --- past dates: the calendar as it stood then ---

#[test]
fn past_dates_in_2023() {
    let day = d("2023-09-01");
    // 1.27: GA Jul 2023, community support until Jul 2024 (the page today lists 1.27 only
    // in its LTS table).
    assert_eq!(
        judge((1, 27), day, false),
        supported("2024-07-31", 334, false)
    );
    assert_eq!(
        judge((1, 27), day, true),
        supported("2025-07-31", 699, true)
    );
    // 1.24 ended Jul 2023; its 30 days of grace ran out on 2023-08-30.
    assert_eq!(
        judge((1, 24), day, false),
        Support::OutOfSupport {
            ended: d("2023-07-31"),
            lts: false
        }
    );
    assert_eq!(
        judge((1, 24), d("2023-08-30"), false),
        Support::Grace {
            ended: d("2023-07-31"),
            lts: false
        }
    );
    // No LTS for 1.24: the community date decides.
    assert_eq!(
        judge((1, 24), day, true),
        Support::OutOfSupport {
            ended: d("2023-07-31"),
            lts: false
        }
    );
    assert_eq!(
        judge((1, 25), day, false),
        supported("2024-01-14", 135, false)
    );
    assert_eq!(
        judge((1, 26), day, false),
        supported("2024-03-31", 212, false)
    );
    // 1.28 was GA in Nov 2023.
    assert_eq!(judge((1, 28), day, false), Support::NotYetGa);
    assert_eq!(
        judge((1, 28), d("2023-11-30"), false),
        supported("2025-01-31", 428, false)
    );
    // 1.23 ended Apr 2023; 1.19 long before.
    assert_eq!(
        judge((1, 23), day, false),
        Support::OutOfSupport {
            ended: d("2023-04-30"),
            lts: false
        }
    );
    assert_eq!(
        judge((1, 19), day, false),
        Support::OutOfSupport {
            ended: d("2021-12-31"),
            lts: false
        }
    );
    // 1.18 is older than the calendar, and 1.19 had ended.
    assert_eq!(
        judge((1, 18), day, false),
        Support::BeforeCalendar {
            newer: (1, 19),
            newer_ended: d("2021-12-31")
        }
    );
}

#[test]
fn past_dates_in_2020_to_2022() {
    // 1.19: GA Nov 2020, end of life "1.22 GA" (Dec 2021).
    assert_eq!(judge((1, 19), d("2020-11-29"), false), Support::NotYetGa);
    assert_eq!(
        judge((1, 19), d("2020-11-30"), false),
        supported("2021-12-31", 396, false)
    );
    assert_eq!(
        judge((1, 19), d("2021-03-01"), false),
        supported("2021-12-31", 305, false)
    );
    assert_eq!(
        judge((1, 19), d("2022-01-30"), false),
        Support::Grace {
            ended: d("2021-12-31"),
            lts: false
        }
    );
    // 1.20 ("1.23 GA", Apr 2022) and 1.21 ("1.24 GA", Jul 2022).
    assert_eq!(judge((1, 20), d("2021-03-01"), false), Support::NotYetGa);
    assert_eq!(
        judge((1, 20), d("2022-03-01"), false),
        supported("2022-04-30", 60, false)
    );
    assert_eq!(
        judge((1, 21), d("2022-08-31"), false),
        Support::OutOfSupport {
            ended: d("2022-07-31"),
            lts: false
        }
    );
    // 1.18 in 2021: 1.19 was still supported, so the calendar cannot tell.
    assert_eq!(judge((1, 18), d("2021-03-01"), false), Support::Unknown);
}

#[test]
fn platform_support_is_judged_at_the_date_given() {
    // 1.24: platform support "Until 1.28 GA" (Nov 2023).
    let until_1_28 = PlatformSupport::Until {
        minor: (1, 28),
        ga: Some(d("2023-11-30")),
    };
    assert_eq!(platform_support((1, 24), d("2023-09-01")), Some(until_1_28));
    assert_eq!(platform_support((1, 24), d("2023-11-29")), Some(until_1_28));
    assert_eq!(
        platform_support((1, 24), d("2023-11-30")),
        Some(PlatformSupport::Ended {
            minor: (1, 28),
            ga: d("2023-11-30")
        })
    );
    // 1.27: until 1.31 GA (Nov 2024).
    assert_eq!(
        platform_support((1, 27), d("2024-09-01")),
        Some(PlatformSupport::Until {
            minor: (1, 31),
            ga: Some(d("2024-11-30"))
        })
    );
    // Until a planned GA (1.37, Oct 2026), and until a minor the calendar does not list.
    assert_eq!(
        platform_support((1, 33), d("2026-09-01")),
        Some(PlatformSupport::Until {
            minor: (1, 37),
            ga: Some(d("2026-10-31"))
        })
    );
    assert_eq!(
        platform_support((1, 34), d("2026-12-01")),
        Some(PlatformSupport::Until {
            minor: (1, 38),
            ga: None
        })
    );
    // No platform-support column for 1.19-1.23; nothing outside the calendar.
    assert_eq!(platform_support((1, 22), d("2023-01-15")), None);
    assert_eq!(platform_support((1, 18), d("2023-01-15")), None);
    assert_eq!(platform_support((1, 40), d("2023-01-15")), None);
}

#[test]
fn planned_1_37_before_and_after_ga() {
    let v = (1, 37);
    assert_eq!(judge(v, retrieved(), false), Support::NotYetGa);
    assert_eq!(judge(v, d("2026-10-30"), false), Support::NotYetGa);
    assert_eq!(judge(v, d("2026-10-30"), true), Support::NotYetGa);
    // GA "Oct 2026" counts from the last day of October.
    assert_eq!(
        judge(v, d("2026-10-31"), false),
        supported("2027-10-31", 365, false)
    );
    assert_eq!(
        judge(v, d("2026-10-31"), true),
        supported("2028-10-31", 731, true)
    );
    assert_eq!(
        judge(v, d("2026-11-29"), false),
        supported("2027-10-31", 336, false)
    );
}

#[test]
fn judge_never_panics_on_extreme_dates() {
    let extremes = [
        Date {
            year: i32::MIN,
            month: 1,
            day: 1,
        },
        Date {
            year: i32::MAX,
            month: 12,
            day: 31,
        },
        Date {
            year: 2026,
            month: 0,
            day: 0,
        },
        Date {
            year: 2026,
            month: 99,
            day: u32::MAX,
        },
    ];
    for day in extremes {
        for m in 0..45 {
            let _ = judge((1, m), day, false);
            let _ = judge((1, m), day, true);
        }
    }
    assert_eq!(
        judge((1, 33), extremes[1], false),
        Support::OutOfSupport {
            ended: d("2026-07-31"),
            lts: false
        }
    );
    assert_eq!(judge((1, 33), extremes[0], false), Support::NotYetGa);
}

// --- dates ---

#[test]
fn date_parse_strict() {
    assert_eq!(
        Date::parse("2026-11-29"),
        Some(Date {
            year: 2026,
            month: 11,
            day: 29
        })
    );
    assert!(Date::parse("2024-02-29").is_some());
    assert!(Date::parse("2000-02-29").is_some());
    assert!(Date::parse("0000-01-01").is_some());
    assert!(Date::parse("9999-12-31").is_some());
    for bad in [
        "2026-02-29",
        "2023-02-29",
        "1900-02-29",
        "2100-02-29",
        "2026-04-31",
        "2026-06-31",
        "2026-13-01",
        "2026-00-10",
        "2026-01-00",
        "2026-01-32",
        "2026-1-01",
        "2026-01-1",
        "26-01-01",
        "2026-01-01 ",
        " 2026-01-01",
        "2026-01-01T00:00:00Z",
        "2026/01/01",
        "2026-01",
        "+026-01-01",
        "-026-01-01",
        "2026-+1-01",
        "２０２６-01-01",
        "2026-01-０1",
        "",
        "----------",
    ] {
        assert_eq!(Date::parse(bad), None, "{bad:?}");
    }
}

#[test]
fn month_only_calendar_dates() {
    assert_eq!(Date::parse_calendar("2024-02"), Some(d("2024-02-29")));
    assert_eq!(Date::parse_calendar("2026-02"), Some(d("2026-02-28")));
    assert_eq!(Date::parse_calendar("1900-02"), Some(d("1900-02-28")));
    assert_eq!(Date::parse_calendar("2026-04"), Some(d("2026-04-30")));
    assert_eq!(Date::parse_calendar("2026-12"), Some(d("2026-12-31")));
    assert_eq!(Date::parse_calendar("2025-11-01"), Some(d("2025-11-01")));
    for bad in [
        "2026-13", "2026-00", "2026-1", "2026", "2026-1a", "é026-01", "",
    ] {
        assert_eq!(Date::parse_calendar(bad), None, "{bad:?}");
    }
}

#[test]
fn date_arithmetic_and_leap_years() {
    assert_eq!(d("1970-01-01").day_number(), 0);
    assert_eq!(d("2024-02-28").add_days(1), d("2024-02-29"));
    assert_eq!(d("2024-02-28").add_days(2), d("2024-03-01"));
    assert_eq!(d("2023-02-28").add_days(1), d("2023-03-01"));
    assert_eq!(d("2100-02-28").add_days(1), d("2100-03-01"));
    assert_eq!(d("2000-02-28").add_days(1), d("2000-02-29"));
    assert_eq!(d("2026-12-31").add_days(1), d("2027-01-01"));
    assert_eq!(d("2027-01-01").add_days(-1), d("2026-12-31"));
    assert_eq!(d("2024-03-01").add_days(-1), d("2024-02-29"));
    assert_eq!(d("2026-07-31").add_days(GRACE_DAYS), d("2026-08-30"));
    assert_eq!(d("2024-01-01").days_until(d("2025-01-01")), 366);
    assert_eq!(d("2025-01-01").days_until(d("2026-01-01")), 365);
    assert_eq!(d("2026-01-01").days_until(d("2025-01-01")), -365);
    assert_eq!(d("2000-01-01").days_until(d("2400-01-01")), 146_097);
    assert_eq!(d("1969-12-31").day_number(), -1);
    assert_eq!(d("0000-03-01").add_days(-1), d("0000-02-29"));
    // Every day for 1 200 years round-trips and steps by one.
    let mut day = d("1600-01-01");
    let mut n = day.day_number();
    while day.year < 2800 {
        let next = day.add_days(1);
        assert_eq!(next.day_number(), n + 1);
        assert_eq!(Date::parse(&next.to_string()), Some(next));
        assert!(next > day);
        day = next;
        n += 1;
    }
}

#[test]
fn date_arithmetic_never_panics() {
    let lo = Date {
        year: i32::MIN,
        month: 1,
        day: 1,
    };
    let hi = Date {
        year: i32::MAX,
        month: 12,
        day: 31,
    };
    assert_eq!(hi.add_days(1), hi);
    assert_eq!(hi.add_days(i64::MAX), hi);
    assert_eq!(lo.add_days(-1), lo);
    assert_eq!(lo.add_days(i64::MIN), lo);
    assert_eq!(d("2026-11-29").add_days(i64::MAX), hi);
    assert_eq!(d("2026-11-29").add_days(i64::MIN), lo);
    assert!(lo.days_until(hi) > 0);
    assert!(hi.days_until(lo) < 0);
    let odd = Date {
        year: -5,
        month: 0,
        day: u32::MAX,
    };
    let _ = odd.add_days(3);
    let _ = odd.days_until(hi);
    let _ = odd.to_string();
}

#[test]
fn date_display() {
    assert_eq!(d("2026-07-31").to_string(), "2026-07-31");
    assert_eq!(d("0005-01-09").to_string(), "0005-01-09");
}

#[test]
fn today_is_plausible() {
    let t = Date::today();
    assert!(t >= d("2025-01-01"), "{t}");
    assert_eq!(Date::parse(&t.to_string()), Some(t));
}

// --- versions ---

#[test]
fn version_parsing() {
    assert_eq!(parse_version("1.30"), Some((1, 30)));
    assert_eq!(parse_version("1.30.5"), Some((1, 30)));
    assert_eq!(parse_version("1.30.0"), Some((1, 30)));
    assert_eq!(parse_version("1.0"), Some((1, 0)));
    assert_eq!(parse_version("1.37.100"), Some((1, 37)));
    for bad in [
        "v1.30.5",
        "V1.30",
        "v1.30",
        "1",
        "1.",
        ".30",
        "1..30",
        "1.30.",
        "1.30.5.1",
        "1.30.x",
        "1.30.5-hotfix",
        "1.30-rc.1",
        " 1.30",
        "1.30 ",
        "1.030",
        "01.30",
        "1.30.05",
        "1.+30",
        "1.-30",
        "99999999999.1",
        "1.4294967296",
        "1.٣٠",
        "",
        ".",
        "latest",
    ] {
        assert_eq!(parse_version(bad), None, "{bad:?}");
    }
}

proptest::proptest! {
    #[test]
    fn parsers_never_panic(s in "\\PC{0,16}") {
        let _ = parse_version(&s);
        let _ = Date::parse(&s);
        let _ = Date::parse_calendar(&s);
    }

    #[test]
    fn day_numbers_round_trip(n in -5_000_000i64..5_000_000, k in -100_000i64..100_000) {
        let day = from_day_number(n);
        proptest::prop_assert_eq!(day.day_number(), n);
        proptest::prop_assert_eq!(Date::parse(&day.to_string()).is_some(), (0..=9999).contains(&day.year));
        proptest::prop_assert_eq!(day.days_until(day.add_days(k)), k);
    }

    #[test]
    fn judge_is_total(major in 0u32..4, minor in 0u32..60, n in -50_000i64..50_000, lts: bool) {
        let _ = judge((major, minor), from_day_number(n), lts);
    }
}

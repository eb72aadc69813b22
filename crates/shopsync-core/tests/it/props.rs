//! Property tests of every parser in shopsync-core that reads text from outside: settings as a user types them,
//! schedules, Shopify global ids and timestamps, country codes, order error codes and stored problems, the master
//! key and sealed secrets.
//!
//! Each parser must give an error that says what is accepted for any text (never panic), and what it accepts must
//! print back as text that parses to the same value. Inputs mix arbitrary Unicode with near-misses of the accepted
//! forms, since those reach the deep branches that random text never does.

use jiff::civil::{Time, Weekday};
use jiff::tz::Offset;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use shopsync_core::countries;
use shopsync_core::gid::{Gid, admin_url};
use shopsync_core::order_errors::{OrderErrorCode, OrderProblem, OrderRef, OrderStatus};
use shopsync_core::schedule::Schedule;
use shopsync_core::secret::{CipherError, MasterKey, TokenCipher};
use shopsync_core::settings::{SETTINGS, SettingError, ShopSettings};
use shopsync_core::time;

/// 256 cases per property: every parser here is pure and fast, so the whole module runs in well under a second.
fn config() -> ProptestConfig {
    ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() }
}

/// Any text, or text made of the characters that matter to the parsers (digits, separators, letters that start
/// keywords, multi-byte characters right where a parser slices).
fn text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[ a-zA-Z0-9:=,;./?_+\\-é€\u{1F600}\t]{0,40}",]
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    let seconds = Timestamp::MIN.as_second()..=Timestamp::MAX.as_second();
    prop_oneof![
        // Dates a store really has ...
        (0i64..4_102_444_800).prop_map(|s| Timestamp::from_second(s).unwrap()),
        // ... and the edges of what jiff can represent, where date arithmetic overflows.
        seconds.prop_map(|s| Timestamp::from_second(s).unwrap()),
        Just(Timestamp::MIN),
        Just(Timestamp::MAX),
    ]
}

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

/// Every schedule `parse` can produce: intervals of whole minutes from 5 minutes up to the largest jiff holds.
fn schedule() -> impl Strategy<Value = Schedule> {
    let time = (0i8..24, 0i8..60).prop_map(|(h, m)| Time::new(h, m, 0, 0).unwrap());
    prop_oneof![
        Just(Schedule::Off),
        prop_oneof![5i64..10_000, 5i64..=i64::MAX / 60].prop_map(|m| Schedule::Every(SignedDuration::from_mins(m))),
        (1i64..1000).prop_map(|h| Schedule::Every(SignedDuration::from_hours(h))),
        time.clone().prop_map(Schedule::Daily),
        (prop::sample::select(WEEKDAYS.to_vec()), time).prop_map(|(d, t)| Schedule::Weekly(d, t)),
    ]
}

fn schedule_text() -> impl Strategy<Value = String> {
    prop_oneof![
        text(),
        "(every|EVERY) ?[+-]?[0-9]{0,25}[mhdé\u{1F600}]?",
        "daily [0-9]{0,3}:?[0-9]{0,3}[é]?",
        "weekly [a-zé]{0,5} [0-9]{0,3}:[0-9]{0,3}",
        "(off|manual)( x)?",
    ]
}

/// A JSON value of any shape, a few levels deep.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (prop_oneof![text(), "(line|lines|position|title|sku|tag|country|template|missing_fields)"], inner),
                0..6
            )
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(config())]

    // ---- Shopify global ids ----

    #[test]
    fn a_gid_is_parsed_only_from_the_documented_form(text in prop_oneof![
        text(),
        "gid://shopify/[A-Za-z0-9é/]{0,12}/?[+-]?[0-9]{0,22}(\\?[a-z_=0-9]{0,10})?",
    ]) {
        if let Ok(gid) = Gid::parse(&text) {
            let prefix = format!("gid://shopify/{}/", gid.resource());
            prop_assert!(text.starts_with(&prefix), "{text:?} parsed as {gid}");
            prop_assert!(!gid.resource().is_empty() && gid.resource().chars().all(|c| c.is_ascii_alphanumeric()));
            prop_assert_eq!(Gid::parse(&gid.to_string()), Ok(gid.clone()));
        } else {
            let message = Gid::parse(&text).unwrap_err().to_string();
            prop_assert!(message.contains("gid://shopify/Resource/123"), "{message}");
        }
    }

    #[test]
    fn a_gid_prints_as_the_text_it_was_parsed_from(
        resource in "[A-Za-z0-9]{1,20}",
        id in any::<u64>(),
        query in proptest::option::of("[a-z_]{1,10}=[0-9]{1,5}"),
    ) {
        let printed = format!("gid://shopify/{resource}/{id}");
        let text = match &query { Some(q) => format!("{printed}?{q}"), None => printed.clone() };
        let gid = Gid::parse(&text).unwrap();
        prop_assert_eq!(&gid, &Gid::new(&resource, id));
        prop_assert_eq!(gid.to_string(), printed);
    }

    #[test]
    fn admin_urls_are_built_for_any_shop_text(shop in text(), resource in "(Order|Product|Customer|Location|X)", id in any::<u64>()) {
        let gid = Gid::new(&resource, id);
        if let Some(url) = admin_url(&shop, &gid) {
            prop_assert!(url.starts_with("https://admin.shopify.com/store/"), "{url}");
            let id_suffix = format!("/{id}");
            prop_assert!(url.ends_with(&id_suffix), "{url}");
        }
    }

    // ---- Schedules ----

    #[test]
    fn any_schedule_text_parses_or_says_what_is_accepted(text in schedule_text()) {
        match text.parse::<Schedule>() {
            Ok(schedule) => prop_assert_eq!(schedule.to_string().parse::<Schedule>(), Ok(schedule)),
            Err(err) => prop_assert!(err.to_string().contains("accepted:"), "{err}"),
        }
    }

    #[test]
    fn every_schedule_prints_as_text_that_parses_back(schedule in schedule()) {
        prop_assert_eq!(schedule.to_string().parse::<Schedule>(), Ok(schedule));
    }

    #[test]
    fn the_next_run_is_never_before_now_nor_before_the_interval_has_passed(
        schedule in schedule(),
        last_run in proptest::option::of(timestamp()),
        now in timestamp(),
    ) {
        let next = schedule.next_run(last_run, now);
        if let Some(next) = next {
            prop_assert!(next >= now, "{schedule}: next run {next} is before now {now}");
        }
        match schedule {
            Schedule::Off => prop_assert_eq!(next, None),
            Schedule::Every(interval) => {
                let expected = match last_run {
                    None => Some(now),
                    // A due time past the end of representable time never comes: the run is not due now.
                    Some(last) => last.checked_add(interval).ok().map(|due| due.max(now)),
                };
                prop_assert_eq!(next, expected, "{}", schedule);
            }
            Schedule::Daily(at) | Schedule::Weekly(_, at) => {
                if let Some(next) = next.filter(|next| *next > now) {
                    let civil = next.to_zoned(jiff::tz::TimeZone::UTC).datetime();
                    prop_assert_eq!(civil.time(), at, "{} gave {}", schedule, next);
                    if let Schedule::Weekly(day, _) = schedule {
                        prop_assert_eq!(civil.date().weekday(), day);
                    }
                }
            }
        }
    }

    // ---- Timestamps ----

    #[test]
    fn timestamp_normalisation_never_panics(text in prop_oneof![
        text(),
        "[0-9+-]{0,7}-[0-9]{1,3}-[0-9]{1,3}[Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\\.[0-9]{0,12})?(Z|[+-][0-9]{2}:?[0-9]{2})?",
    ]) {
        if let Ok(normalized) = time::normalize(&text) {
            // Normalised text is itself accepted and stays the same.
            prop_assert_eq!(time::normalize(&normalized).unwrap(), normalized);
        }
    }

    #[test]
    fn normalised_timestamps_sort_as_text_like_the_instants_they_name(
        a in 0i64..253_402_128_000, a_nanos in 0i32..1_000_000_000, a_offset in -1_439i32..1_440,
        b in 0i64..253_402_128_000, b_nanos in 0i32..1_000_000_000, b_offset in -1_439i32..1_440,
    ) {
        let a = Timestamp::new(a, a_nanos).unwrap();
        let b = Timestamp::new(b, b_nanos).unwrap();
        // Offsets in whole minutes, the most RFC 3339 can write; Shopify sends its shop's offset.
        let text_a = a.display_with_offset(Offset::from_seconds(a_offset * 60).unwrap()).to_string();
        let text_b = b.display_with_offset(Offset::from_seconds(b_offset * 60).unwrap()).to_string();
        let (na, nb) = (time::normalize(&text_a).unwrap(), time::normalize(&text_b).unwrap());
        prop_assert_eq!(na.len(), "2026-11-22T16:57:56.000000Z".len(), "{}", na);
        if a < b {
            prop_assert!(na <= nb, "{text_a} < {text_b} but {na} > {nb}");
        }
        let back: Timestamp = na.parse().unwrap();
        prop_assert!((a.as_nanosecond() - back.as_nanosecond()).abs() < 1_000, "{a} came back as {back}");
    }

    // ---- Settings ----

    #[test]
    fn any_value_of_any_setting_is_stored_normalised_or_refused_naming_what_is_accepted(
        key in prop::sample::select(SETTINGS.iter().map(|s| s.key).collect::<Vec<_>>()),
        value in prop_oneof![
            text(),
            prop::sample::select(vec!["on", "OFF", "Yes", "0", "none", "all", "*", "open", "marked", "errors", " all "])
                .prop_map(str::to_string),
            "since[ :=]{0,2}[0-9+-]{0,7}-?[0-9]{0,3}-?[0-9]{0,3}",
            schedule_text(),
            "[A-Za-z]{2}( ?, ?[A-Za-z ]{1,3}){0,3}",
            "[A-Za-z0-9._-]{1,8}=(gid://shopify/(Location|Product)/)?[0-9]{1,21}(, ?[A-Z]{1,4}=[0-9]{1,3}){0,2}",
            "[^,]{250,260}",
        ],
    ) {
        let mut settings = ShopSettings::default();
        let before = settings.clone();
        match settings.set(key, &value) {
            Ok(()) => {
                let stored = settings.get(key).unwrap();
                let mut again = ShopSettings::default();
                prop_assert!(again.set(key, &stored).is_ok(), "{key}: `{stored}` (from `{value}`) is refused");
                prop_assert_eq!(again.get(key).unwrap(), stored);
                let pairs = settings.pairs();
                let reloaded = ShopSettings::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str()))).unwrap();
                prop_assert_eq!(reloaded, settings);
            }
            Err(SettingError::Invalid { key: named, accepted, .. }) => {
                prop_assert_eq!(named, key);
                prop_assert_eq!(&settings, &before, "a refused value changed the settings");
                let message = settings.set(key, &value).unwrap_err().to_string();
                prop_assert!(message.contains(key) && message.contains(accepted), "{message}");
            }
            Err(other) => prop_assert!(false, "{key} is a known setting, yet: {other}"),
        }
    }

    #[test]
    fn unknown_setting_names_are_refused_with_the_list_of_settings(key in text(), value in text()) {
        prop_assume!(SETTINGS.iter().all(|s| s.key != key));
        let err = ShopSettings::default().set(&key, &value).unwrap_err();
        prop_assert!(matches!(err, SettingError::Unknown { .. }), "{err}");
        prop_assert!(err.to_string().contains("schedule.fulfillments"), "{err}");
    }

    #[test]
    fn settings_load_from_any_stored_pairs_or_name_the_bad_one(
        pairs in prop::collection::vec(
            (prop_oneof![prop::sample::select(SETTINGS.iter().map(|s| s.key.to_string()).collect::<Vec<_>>()), text()], text()),
            0..8,
        ),
    ) {
        match ShopSettings::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
            Ok(settings) => prop_assert_eq!(settings.pairs().len(), SETTINGS.len()),
            Err(err) => prop_assert!(matches!(err, SettingError::Invalid { .. }), "{err}"),
        }
    }

    // ---- Countries ----

    #[test]
    fn a_country_is_found_only_by_its_two_letter_code(text in prop_oneof![text(), "[ \t]?[a-zA-Z]{1,3}[ \t]?", "[a-zA-Zé]{2}"]) {
        if let Some(country) = countries::by_code(&text) {
            prop_assert!(text.trim().eq_ignore_ascii_case(country.code), "{text:?} found {}", country.code);
        }
        let _ = countries::postal_code_required(&text);
        let name = countries::name_of(&text);
        prop_assert!(!name.is_empty() || text.is_empty());
    }

    #[test]
    fn every_country_code_is_found_in_any_letter_case_and_padding(
        index in 0..countries::all().len(),
        lower in any::<[bool; 2]>(),
        pad in "[ \t]{0,2}",
    ) {
        let country = &countries::all()[index];
        let code: String = country.code.chars().zip(lower).map(|(c, l)| if l { c.to_ascii_lowercase() } else { c }).collect();
        let found = countries::by_code(&format!("{pad}{code}{pad}"));
        prop_assert_eq!(found.map(|c| c.code), Some(country.code));
    }

    // ---- Order error codes, statuses and stored problems ----

    #[test]
    fn order_codes_and_statuses_parse_in_any_case_or_list_the_accepted_ones(
        text in prop_oneof![
            text(),
            prop::sample::select(OrderErrorCode::ALL.map(|c| c.as_str()).to_vec()).prop_map(|c| c.to_lowercase().replace('_', "-")),
            prop::sample::select(OrderStatus::ALL.map(|s| s.as_str()).to_vec()).prop_map(|s| format!(" {} ", s.to_uppercase())),
        ],
    ) {
        match text.parse::<OrderErrorCode>() {
            Ok(code) => prop_assert_eq!(code.as_str().parse::<OrderErrorCode>(), Ok(code)),
            Err(err) => prop_assert!(err.to_string().contains("PRODUCT_NOT_LINKED"), "{err}"),
        }
        match text.parse::<OrderStatus>() {
            Ok(status) => prop_assert_eq!(status.as_str().parse::<OrderStatus>(), Ok(status)),
            Err(err) => prop_assert!(err.to_string().contains("pending, synced"), "{err}"),
        }
    }

    #[test]
    fn a_stored_problem_of_any_shape_reads_back_or_names_its_code(
        code in prop_oneof![text(), prop::sample::select(OrderErrorCode::ALL.map(|c| c.as_str()).to_vec()).prop_map(str::to_string)],
        detail in prop_oneof![text(), json().prop_map(|v| v.to_string())],
        shop in text(),
        order_id in prop_oneof![text(), any::<u64>().prop_map(|id| format!("gid://shopify/Order/{id}"))],
        name in text(),
    ) {
        match OrderProblem::from_parts(&code, &detail) {
            Ok(problem) => {
                prop_assert_eq!(problem.code().as_str(), code.as_str());
                prop_assert_eq!(OrderProblem::from_parts(&code, &problem.detail_json()).unwrap(), problem.clone());
                // Whatever the stored text held, explaining the problem works.
                let report = problem.report(&OrderRef::new(&shop, &order_id, &name), &ShopSettings::default());
                prop_assert!(!report.message.is_empty() && !report.remedy.is_empty());
            }
            Err(err) => prop_assert!(err.to_string().contains(&code), "{err}"),
        }
    }

    // ---- The master key and sealed secrets ----

    #[test]
    fn master_key_text_of_any_form_parses_or_says_how_to_make_one(text in prop_oneof![
        text(),
        "[0-9a-fA-FxX ]{62,66}",
        "[A-Za-z0-9+/_-]{40,46}={0,2}",
    ]) {
        if let Err(err) = MasterKey::parse(&text) {
            prop_assert_eq!(&err, &CipherError::BadKey);
            // The remedy names the set-up that makes a key.
            let remedy = err.remedy().expect("a bad key says how to make one");
            prop_assert!(remedy.actions().any(|a| *a == shopsync_core::remedy::RemedyAction::InitDataDir));
        }
    }

    #[test]
    fn a_sealed_secret_opens_again_and_any_changed_character_is_refused(
        secret in any::<String>(),
        shop in "[a-z0-9-]{1,20}",
        position in any::<prop::sample::Index>(),
        replacement in prop::sample::select(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/v".chars().collect::<Vec<_>>()
        ),
    ) {
        let cipher = TokenCipher::new(&MasterKey::generate());
        let context = format!("access_token:{shop}.myshopify.com");
        let sealed = cipher.seal(&context, &SecretString::from(secret.clone()));
        let opened = cipher.open(&context, &sealed).unwrap();
        prop_assert_eq!(opened.expose_secret(), secret.as_str());

        let mut chars: Vec<char> = sealed.chars().collect();
        let at = position.index(chars.len());
        prop_assume!(chars[at] != replacement);
        chars[at] = replacement;
        let altered: String = chars.into_iter().collect();
        prop_assert!(cipher.open(&context, &altered).is_err(), "{sealed} changed at {at} still opens");
        let other_shop = format!("client_secret:{shop}.myshopify.com");
        prop_assert_eq!(cipher.open(&other_shop, &sealed).err(), Some(CipherError::CannotOpen));
    }

    #[test]
    fn opening_any_stored_text_is_an_error_never_a_panic(text in prop_oneof![text(), "v1\\.[A-Za-z0-9_-]{0,120}"]) {
        let cipher = TokenCipher::new(&MasterKey::generate());
        prop_assert!(cipher.open("access_token:a.myshopify.com", &text).is_err());
    }
}

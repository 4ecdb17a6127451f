//! Property-based fuzzing (proptest, bounded) of what reads text people write: the target-rule
//! language and the CSV check. Whatever the input, they answer — a rule or an error placed in
//! the text, a report — and never panic.

use ecociv_core::rule::Rule;
use proptest::prelude::*;

/// Pieces of the rule language and around it, so that generated rules get past the first token.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            ">=",
            "<=",
            ">",
            "<",
            "=",
            "and",
            "or",
            "(",
            ")",
            "%",
            "decline_from",
            "increase_from",
            "state",
            "实施",
            "建立",
            "improving",
            "all_parts",
            "upper_target",
            "#",
            "-",
            "+",
            ".",
            "，",
            "％",
            "≥",
        ])
        .prop_map(String::from),
        (-100_000i64..100_000).prop_map(|n| n.to_string()),
        (0u32..10_000, 0u32..1000).prop_map(|(a, b)| format!("{a}.{b}")),
        "\\PC{0,3}",
    ]
}

/// Rules of the language's grammar (numbers only, so that none mixes states and numbers).
fn rule() -> impl Strategy<Value = String> {
    let number = (0u32..1000, 0u32..100).prop_map(|(a, b)| if b % 3 == 0 { a.to_string() } else { format!("{a}.{b}") });
    let op = prop::sample::select(vec![">=", "<=", ">", "<", "="]);
    let atom = prop_oneof![
        (op.clone(), number.clone()).prop_map(|(o, n)| format!("{o} {n}")),
        (op.clone(), number.clone()).prop_map(|(o, n)| format!("decline_from 2020 {o} {n}%")),
        (op.clone(), number).prop_map(|(o, n)| format!("increase_from 2019 {o} {n}%")),
        prop::sample::select(vec!["improving", "not_decreasing", ">= upper_target"]).prop_map(String::from),
    ];
    atom.prop_recursive(3, 12, 3, |inner| {
        (prop::collection::vec(inner, 2..4), prop::sample::select(vec![" and ", " or "]), any::<bool>()).prop_map(|(parts, sep, paren)| {
            let joined = parts.join(sep);
            if paren { format!("({joined})") } else { joined }
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn a_rule_parses_or_says_where_it_does_not(tokens in prop::collection::vec(token(), 0..8), glue in prop::sample::select(vec![" ", "", "  ", "\t"])) {
        let text = tokens.join(glue);
        match Rule::parse(&text) {
            Ok(rule) => {
                // a rule read once reads the same again from what it prints
                let printed = rule.expr.to_string();
                let again = Rule::parse(&printed);
                prop_assert!(again.as_ref().is_ok_and(|r| r.expr == rule.expr), "{text:?} printed as {printed:?} reads back as {again:?}");
            }
            Err(e) => prop_assert!(e.column >= 1 && e.column <= text.chars().count() + 1, "{text:?}: column {} out of the text", e.column),
        }
    }

    #[test]
    fn a_rule_of_the_grammar_reads_back_from_what_it_prints(text in rule()) {
        let rule = Rule::parse(&text);
        prop_assert!(rule.is_ok(), "{text:?}: {rule:?}");
        let expr = rule.unwrap().expr;
        let again = Rule::parse(&expr.to_string()).map(|r| r.expr);
        prop_assert_eq!(again, Ok(expr), "{}", text);
    }

    #[test]
    fn any_text_is_a_rule_or_a_placed_error(text in "\\PC{0,40}") {
        if let Err(e) = Rule::parse(&text) {
            prop_assert!(e.column >= 1 && e.column <= text.chars().count() + 1);
        }
    }

    #[test]
    fn the_csv_check_reports_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let plan = ecociv_core::plan_data::build_plan(&ecociv_core::plan_data::hohhot()).unwrap();
        let _ = ecociv_core::check::check_csv(&plan, &bytes, ecociv_core::Locale::Zh);
    }
}

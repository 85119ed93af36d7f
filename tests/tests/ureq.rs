//! Every scenario over the ureq transport.

use easy_checkout_tests::{Subject, scenario_tests};

const SUBJECT: Subject<easy_checkout_ureq::Client> = Subject {
    name: "ureq",
    make: easy_checkout_ureq::with_config,
};

include!("all_scenarios.in");

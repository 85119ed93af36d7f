//! Every scenario over the isahc transport.

use easy_checkout_tests::{Subject, scenario_tests};

const SUBJECT: Subject<easy_checkout_isahc::Client> = Subject {
    name: "isahc",
    make: easy_checkout_isahc::with_config,
};

include!("all_scenarios.in");

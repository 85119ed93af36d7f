//! Every scenario over the isahc transport.

use easy_checkout_isahc::IsahcTransport;
use easy_checkout_tests::{Subject, scenario_tests};

const SUBJECT: Subject<IsahcTransport> = Subject {
    name: "isahc",
    make: easy_checkout_isahc::with_config,
};

include!("all_scenarios.in");

//! Every scenario over the ureq transport.

use easy_checkout_tests::{Subject, scenario_tests};
use easy_checkout_ureq::UreqTransport;

const SUBJECT: Subject<UreqTransport> = Subject {
    name: "ureq",
    make: easy_checkout_ureq::with_config,
};

include!("all_scenarios.in");

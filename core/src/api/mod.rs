//! Every protocol operation as a [`crate::Client`] method, grouped as the protocol groups them.
//! Each method sends one message of the catalogue ([`crate::messages`]).

mod blueprints;
mod files;
mod identities;
mod processes;
mod schedules;

//! Every HTTP integration test of Weft, in one binary (each extra test binary costs a link).
//! Each test boots a real server on 127.0.0.1:0 and most run on SQLite and on PostgreSQL.

mod activity;
mod budget;
mod cli;
mod contract;
mod conventions;
mod credit;
mod decide;
mod decide_voters;
mod demo;
mod garden;
mod groups;
mod hardening;
mod hardening_outside;
mod ideas;
mod intents;
mod interop;
mod jobs;
mod ledger;
mod ledger_model;
mod log;
mod oidc;
mod pages;
mod people;
mod permissions;
mod schema;
mod shared;
mod structure;
mod tasks;
mod webhooks;

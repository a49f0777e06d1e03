//! The sandbox's Books API over real HTTP on 127.0.0.1: every list endpoint's envelope and
//! fields, paging, filters and sorts, detail objects, referential consistency, determinism,
//! the data-size knob, faults and limits.
//!
//! One test binary; areas are modules.

mod support;

mod details;
mod faults;
mod filters;
mod lists;

//! The SQL front end on arbitrary text: `split_statements`, then for each statement
//! `parse_statement`, `bind` with no values and, for calls, `validate`; the whole text also
//! goes to `parse_statement` as one statement. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zohobooks_sql::catalog::procedures::validate;
use zohobooks_sql::sql::params::bind;
use zohobooks_sql::sql::{Params, Plan, parse_statement, split_statements};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The whole text as one statement, as Connection::execute receives it.
    front_end(&text);
    if let Ok(statements) = split_statements(&text) {
        for statement in &statements {
            front_end(statement);
        }
    }
});

fn front_end(sql: &str) {
    let plan = match parse_statement(sql) {
        Ok(plan) => plan,
        Err(e) => {
            let _ = (e.to_string(), format!("{e:?}"), e.hint());
            return;
        }
    };
    let _ = format!("{plan:?}");
    match bind(plan, &Params::new()) {
        Ok(Plan::Call(call)) => {
            if let Err(e) = validate(&call) {
                let _ = (e.to_string(), format!("{e:?}"));
            }
        }
        Ok(Plan::Select(_)) => {}
        Err(e) => {
            let _ = (e.to_string(), format!("{e:?}"));
        }
    }
}

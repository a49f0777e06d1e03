//! Benchmark 1 of docs/performance.md: parsing a typical 10-property connection string.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use zohobooks_sql::Config;

const TYPICAL: &str = "InitiateOAuth=GETANDREFRESH;OAuthClientId=1000.8GJ3K2L5M7N9P1Q3R5S7T9V1X3Z5B7;\
OAuthClientSecret='4f2a9c1e7b3d5f8a0c2e4b6d8f1a3c5e7b9d2f4a6c';CallbackURL=http://localhost:33333;\
OAuthSettingsLocation='/home/user/.config/zbsql/OAuthSettings.json';Scope=ZohoBooks.fullaccess.all;\
Region=EU;OrganizationId=10234695;Timeout=30;Verbosity=1";

fn parse(c: &mut Criterion) {
    assert_eq!(
        Config::parse(TYPICAL)
            .unwrap()
            .iter_set_exposing_secrets()
            .count(),
        10
    );
    c.bench_function("connection_string/parse_10_properties", |b| {
        b.iter(|| Config::parse(black_box(TYPICAL)).unwrap())
    });
    let config = Config::parse(TYPICAL).unwrap();
    c.bench_function("connection_string/canonical_print", |b| {
        b.iter(|| black_box(&config).canonical_string_with_secrets())
    });
}

criterion_group!(benches, parse);
criterion_main!(benches);

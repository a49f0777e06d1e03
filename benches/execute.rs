//! What a procedure call costs on top of parsing it.
//!
//! Compares, for the same `EXEC GetOAuthAuthorizationURL ...` text:
//! * `sqlparser parse_sql`: sqlparser's bare parse (MS SQL dialect) — the floor;
//! * `parse + bind + validate`: our front end up to a validated `ProcedureCall`;
//! * `Connection::execute`: the whole public path (parse, bind, validate, dispatch to the OAuth
//!   engine, build the authorization URL, one-row Arrow result), driven on a current-thread
//!   runtime. The connection has `OAuthClientId` set, so the real URL is built (not an error).
//!
//! Target: `Connection::execute` / `sqlparser parse_sql` <= 2.0.
//!
//! A second group times `SELECT`s through the engine: the first on a new connection (which
//! creates the DataFusion session) against a later one on a connection that has run 99 before.
//!
//! Run: `cargo bench --bench execute` (add `-- --quick` for a short run).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use datafusion::sql::sqlparser::dialect::MsSqlDialect;
use datafusion::sql::sqlparser::parser::Parser;
use zohobooks_sql::Connection;
use zohobooks_sql::catalog::procedures::validate;
use zohobooks_sql::sql::params::bind;
use zohobooks_sql::sql::{Params, Plan, parse_statement};

/// A connection with a client id, so GetOAuthAuthorizationURL builds the real URL.
const CONN: &str = "OAuthClientId=1000.ABC;OAuthClientSecret=s3cret;InitiateOAuth=OFF";
const SQL: &str =
    "EXEC GetOAuthAuthorizationURL @AuthMode='WEB', @CallbackUrl='http://localhost:33333'";

fn execute(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let conn = runtime
        .block_on(Connection::open(CONN))
        .expect("open a connection");
    // The path under test must end where we think it ends: a real authorization URL, and no
    // HTTP/TLS client set up for a statement that sends nothing.
    let rs = runtime
        .block_on(conn.execute(SQL))
        .expect("the URL is built");
    let url = rs.value(0, "URL").expect("a URL column");
    assert!(
        url.starts_with("https://accounts.zoho.com/oauth/v2/auth?")
            && url.contains("client_id=1000.ABC"),
        "{url}"
    );
    assert!(!conn.token_manager().transport().is_built());

    let mut group = c.benchmark_group("EXEC GetOAuthAuthorizationURL");
    group.bench_function("sqlparser parse_sql", |b| {
        let dialect = MsSqlDialect {};
        b.iter(|| Parser::parse_sql(&dialect, black_box(SQL)).expect("parses"))
    });
    group.bench_function("parse + bind + validate", |b| {
        let params = Params::new();
        b.iter(|| {
            let Plan::Call(call) =
                bind(parse_statement(black_box(SQL)).expect("parses"), &params).expect("binds")
            else {
                unreachable!("EXEC plans to a call")
            };
            validate(&call).expect("validates")
        })
    });
    group.bench_function("Connection::execute", |b| {
        b.iter(|| black_box(runtime.block_on(conn.execute(black_box(SQL)))))
    });
    group.finish();

    const QUERY: &str = "SELECT ProcedureName, COUNT(*) FROM sys_procedureparameters WHERE Direction = 1 GROUP BY ProcedureName";
    let mut group = c.benchmark_group("SELECT through the engine");
    group.bench_function("first SELECT on a new connection", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let conn = Connection::open(CONN).await.expect("open");
                black_box(conn.execute(QUERY).await.expect("runs"))
            })
        })
    });
    let warm = runtime.block_on(async {
        let conn = Connection::open(CONN).await.expect("open");
        for _ in 0..99 {
            conn.execute(QUERY).await.expect("runs");
        }
        conn
    });
    group.bench_function("hundredth SELECT on a connection", |b| {
        b.iter(|| {
            black_box(
                runtime
                    .block_on(warm.execute(black_box(QUERY)))
                    .expect("runs"),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, execute);
criterion_main!(benches);

//! What reading a Books table through the engine costs over the floor any connector pays.
//!
//! Both sides read the same 20,000 sandbox invoices (100 pages of 200) from the same sandbox:
//! * `bare loop`: the paginated GETs with reqwest, each page parsed into `serde_json::Value`
//!   (no conversion, no engine) — the floor;
//! * `SELECT * FROM Invoices`: `Connection::query_arrow`, every batch pulled (JSON → Arrow,
//!   the engine's plan, the scan's prefetch).
//!
//! Target: `SELECT * FROM Invoices` / `bare loop` <= 1.2. The ratio is printed at the end.
//! The Python side of the comparison is `benches/books_scan.sh` (whole processes).
//!
//! Run: `cargo bench --bench books_scan` (add `-- --quick` for a short run).

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use futures::StreamExt;
use zohobooks_sandbox::Sandbox;
use zohobooks_sql::{Connection, Params};

const INVOICES: usize = 20_000;
const ORG: &str = "10234695";

async fn bare_loop(client: &reqwest::Client, base: &str, token: &str) -> usize {
    let mut rows = 0;
    let mut page = 1;
    loop {
        let body: serde_json::Value = client
            .get(format!(
                "{base}/books/v3/invoices?organization_id={ORG}&page={page}&per_page=200"
            ))
            .header("Authorization", format!("Zoho-oauthtoken {token}"))
            .send()
            .await
            .expect("GET")
            .json()
            .await
            .expect("JSON");
        rows += body["invoices"].as_array().map_or(0, Vec::len);
        if body["page_context"]["has_more_page"] != true {
            return rows;
        }
        page += 1;
    }
}

async fn through_the_engine(conn: &Connection) -> usize {
    let mut stream = conn
        .query_arrow("SELECT * FROM Invoices", &Params::new())
        .await
        .expect("query");
    let mut rows = 0;
    while let Some(batch) = stream.next().await {
        rows += batch.expect("batch").num_rows();
    }
    rows
}

fn books_scan(c: &mut Criterion) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let sandbox = runtime
        .block_on(Sandbox::builder().invoice_count(INVOICES).start())
        .expect("sandbox");
    let (token, _) = sandbox.mint_tokens("ZohoBooks.fullaccess.all");
    let base = sandbox.base_url();
    let conn = runtime
        .block_on(Connection::open(&format!(
            "AccountsServer={base};OAuthAccessToken={token};OrganizationId={ORG}"
        )))
        .expect("open");
    let client = reqwest::Client::new();
    // Both sides read every invoice (and warm the sandbox's generated data).
    assert_eq!(
        runtime.block_on(bare_loop(&client, &base, &token)),
        INVOICES
    );
    assert_eq!(runtime.block_on(through_the_engine(&conn)), INVOICES);

    let mut group = c.benchmark_group("20,000 invoices");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    let mut bare = Duration::ZERO;
    let mut bare_n = 0u32;
    group.bench_function("bare loop (reqwest + serde_json)", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                runtime.block_on(bare_loop(&client, &base, &token));
            }
            let took = start.elapsed();
            bare += took;
            bare_n += iters as u32;
            took
        })
    });
    let mut engine = Duration::ZERO;
    let mut engine_n = 0u32;
    group.bench_function("SELECT * FROM Invoices", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                runtime.block_on(through_the_engine(&conn));
            }
            let took = start.elapsed();
            engine += took;
            engine_n += iters as u32;
            took
        })
    });
    group.finish();
    let per = |d: Duration, n: u32| d.as_secs_f64() / f64::from(n.max(1));
    println!(
        "mean per scan: bare loop {:.1} ms, engine {:.1} ms, ratio {:.2} (target <= 1.2)",
        per(bare, bare_n) * 1e3,
        per(engine, engine_n) * 1e3,
        per(engine, engine_n) / per(bare, bare_n)
    );
}

criterion_group!(benches, books_scan);
criterion_main!(benches);

//! `zbsql`: the command-line front end of zohobooks-sql.
//!
//! Placeholder main of the sandbox branch: it handles only `--serve-sandbox [ADDR]`, which runs
//! the local Zoho emulator until Ctrl-C. The full CLI replaces this file.

use std::process::ExitCode;

const USAGE: &str = "usage: zbsql --serve-sandbox [ADDR]   (ADDR defaults to 127.0.0.1:8900)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr_text = match args.as_slice() {
        [flag] if flag == "--serve-sandbox" => None,
        [flag, addr] if flag == "--serve-sandbox" => Some(addr.as_str()),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    serve(addr_text)
}

#[cfg(feature = "sandbox")]
fn serve(addr_text: Option<&str>) -> ExitCode {
    let text = addr_text.unwrap_or(zohobooks_sql::sandbox::DEFAULT_STANDALONE_ADDR);
    let addr: std::net::SocketAddr = match text.parse() {
        Ok(addr) => addr,
        Err(_) => {
            eprintln!("zbsql: '{text}' is not an address; give IP:PORT, e.g. 127.0.0.1:8900");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("zbsql: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(zohobooks_sql::sandbox::serve_standalone(addr)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("zbsql: the sandbox could not run on {addr}: {error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "sandbox"))]
fn serve(_addr_text: Option<&str>) -> ExitCode {
    eprintln!("zbsql: this build has no sandbox; rebuild with the \"sandbox\" feature");
    ExitCode::FAILURE
}

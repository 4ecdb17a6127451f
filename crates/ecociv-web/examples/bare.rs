//! The baseline of `bench/load.sh`: a bare axum server on the same HTTP stack as ecociv (axum,
//! hyper, tokio's multi-threaded runtime), with no application behind it.
//!
//!   cargo run --release -p ecociv-web --example bare -- [ADDR] [DIR]
//!
//! - `GET /hello` answers a tiny body: the most this stack answers per second.
//! - `/static/NAME` (any method) answers the file `DIR/NAME.body` with the headers listed in
//!   `DIR/NAME.headers` (one `Name: value` a line): the same bytes as a page of ecociv,
//!   saved once, so that the page can be compared with merely sending that many bytes.
//!
//! ADDR defaults to 127.0.0.1:0 (a free port); DIR to `ECOCIV_BARE_DIR`, else no static files.
//! The first line on standard output is `bare: http://HOST:PORT (N files)`. Everything is
//! read into memory at start.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};

/// One saved answer: its headers and body.
struct Saved {
    headers: HeaderMap,
    body: Bytes,
}

type Files = Arc<HashMap<String, Saved>>;

/// Reads `NAME.body` and `NAME.headers` pairs from a folder.
fn load(dir: &Path) -> std::io::Result<HashMap<String, Saved>> {
    let mut files = HashMap::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".body")) else {
            continue;
        };
        let body = Bytes::from(std::fs::read(&path)?);
        let mut headers = HeaderMap::new();
        let listed = std::fs::read_to_string(dir.join(format!("{name}.headers"))).unwrap_or_default();
        for line in listed.lines() {
            let Some((k, v)) = line.split_once(':') else { continue };
            match (HeaderName::from_bytes(k.trim().as_bytes()), HeaderValue::from_str(v.trim())) {
                (Ok(k), Ok(v)) => {
                    headers.append(k, v);
                }
                _ => eprintln!("bare: {name}.headers: skipped {line:?}"),
            }
        }
        files.insert(name.to_string(), Saved { headers, body });
    }
    Ok(files)
}

async fn hello() -> Response {
    let mut r = "hello\n".into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    r
}

/// Any method: a POST's body is read and dropped, so that a write route has its baseline too.
async fn saved(State(files): State<Files>, UrlPath(name): UrlPath<String>, _body: Bytes) -> Response {
    match files.get(&name) {
        Some(f) => {
            let mut r = f.body.clone().into_response();
            // the saved headers replace the defaults (Content-Type among them)
            for k in f.headers.keys() {
                r.headers_mut().remove(k);
            }
            for (k, v) in &f.headers {
                r.headers_mut().append(k, v.clone());
            }
            r
        }
        None => (StatusCode::NOT_FOUND, "no such file\n").into_response(),
    }
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:0".into());
    let dir = args.next().or_else(|| std::env::var("ECOCIV_BARE_DIR").ok());
    let files = match dir {
        Some(d) => load(Path::new(&d)).map_err(|e| std::io::Error::new(e.kind(), format!("bare: cannot read {d}: {e}")))?,
        None => HashMap::new(),
    };
    let count = files.len();
    let app = Router::new().route("/hello", get(hello)).route("/static/{name}", any(saved)).with_state(Arc::new(files));
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&addr).await?;
        println!("bare: http://{} ({count} files)", listener.local_addr()?);
        axum::serve(listener, app).await
    })
}

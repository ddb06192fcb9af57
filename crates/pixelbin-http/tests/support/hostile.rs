//! A misbehaving HTTP/1.1 server on loopback, for tests of every way a
//! server can hold or harm a client. Shared by the pixelbin-http tests and the
//! CLI tests (`#[path]`-included), so it has no dependency beyond std.
//!
//! It runs on its own thread, so synchronous tests (assert_cmd) and async
//! tests use it alike. Each request is recorded (its head, lower-cased) and
//! answered by the path:
//!
//! | path                  | answer                                                          |
//! |-----------------------|-----------------------------------------------------------------|
//! | `/ok`                 | 200 `{"ok":true}`                                               |
//! | `/file`               | 200, 64 KiB of `x`                                              |
//! | `/same?n=K`           | 302 to `/same?n=K-1` on this server, `/ok` at 0                 |
//! | `/away?to=URL`        | 302 to URL (percent-decoded)                                    |
//! | `/stall-headers`      | 200 with `content-length: 100`, then nothing, connection open   |
//! | `/stall-error`        | 404 with `content-length: 100`, 5 bytes, then nothing           |
//! | `/drip`               | 200, chunked, one byte every 50 ms, forever                     |
//! | `/truncate`           | 200 with `content-length: 100000`, 10 bytes, then closes        |
//! | `/huge`               | 200 with `content-length` 2 GiB, zeros generated on the fly     |
//! | `/endless`            | 200, chunked, zeros forever                                     |
//! | `/silent`             | reads the request, never answers                                |
//! | `/away-PORT`          | 302 to `http://127.0.0.1:PORT/ok` with a signed query           |
//! | `/job-SCENARIO`       | 200, a finished prediction whose output is `/SCENARIO/result.png` |
//! | `/pages`              | a listing page 1 with `hasNext`; any later page never answers   |
//!
//! Only the first path segment counts, so a client whose domain is
//! `http://127.0.0.1:<port>/drip` meets the drip on every API call.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// The signed query of the links this server hands out; its signature
/// (`5ec7e75167`) must never be printed by a client.
pub const SIGNED_QUERY: &str = "pbs=5ec7e75167&pbe=1999999999&pbt=key";

/// A running hostile server (it lives until the process ends).
#[derive(Clone)]
pub struct Hostile {
    pub addr: std::net::SocketAddr,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Hostile {
    /// Starts a server on 127.0.0.1, port 0.
    pub fn start() -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let record = record.clone();
                thread::spawn(move || {
                    let _ = serve(stream, addr, &record);
                });
            }
        });
        Hostile { addr, seen }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The absolute URL of `path_and_query` on this server.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.origin())
    }

    /// The request heads received so far, lower-cased.
    pub fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    /// Whether any request carried an `Authorization` header.
    pub fn saw_authorization(&self) -> bool {
        self.requests()
            .iter()
            .any(|head| head.contains("\r\nauthorization:"))
    }
}

fn serve(
    stream: TcpStream,
    addr: std::net::SocketAddr,
    seen: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    loop {
        // One request head, then its body (Content-Length only).
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            head.push_str(&line);
            if line == "\r\n" {
                break;
            }
        }
        let target = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let head = head.to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0);
        std::io::copy(&mut (&mut reader).take(length), &mut std::io::sink())?;
        seen.lock().unwrap().push(head.clone());
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        // The first segment picks the behaviour, so a client configured with
        // `http://127.0.0.1:<port>/drip` as its domain meets it on every call.
        let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
        if let Some(port) = first.strip_prefix("away-") {
            redirect(
                &mut out,
                &format!("http://127.0.0.1:{port}/ok?{SIGNED_QUERY}"),
            )?;
            continue;
        }
        if let Some(scenario) = first.strip_prefix("job-") {
            let output = format!("http://{addr}/{scenario}/result.png?{SIGNED_QUERY}");
            let job =
                format!("{{\"_id\":\"job-1\",\"status\":\"SUCCESS\",\"output\":[\"{output}\"]}}");
            reply(&mut out, "200 OK", "application/json", job.as_bytes())?;
            continue;
        }
        if first == "pages" {
            // A listing whose first page comes at once and whose next page never does.
            if param(query, "pageNo").is_none_or(|n| n == "1") {
                let page = r#"{"items":[{"_id":"a1","name":"first.png","fileId":"first.png"}],"page":{"type":"number","size":1,"current":1,"hasNext":true,"itemTotal":99}}"#;
                reply(&mut out, "200 OK", "application/json", page.as_bytes())?;
                continue;
            }
            hold();
        }
        match format!("/{first}").as_str() {
            "/ok" => reply(&mut out, "200 OK", "application/json", b"{\"ok\":true}")?,
            "/file" => reply(&mut out, "200 OK", "image/png", &vec![b'x'; 64 * 1024])?,
            "/same" => {
                let n: u32 = param(query, "n").and_then(|n| n.parse().ok()).unwrap_or(0);
                let next = if n == 0 {
                    format!("http://{addr}/ok")
                } else {
                    format!("http://{addr}/same?n={}", n - 1)
                };
                redirect(&mut out, &next)?;
            }
            "/away" => redirect(&mut out, &param(query, "to").unwrap_or_default())?,
            "/stall-headers" => {
                out.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n")?;
                hold();
            }
            "/stall-error" => {
                out.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 100\r\n\r\n{\"me")?;
                hold();
            }
            "/drip" => {
                out.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")?;
                loop {
                    out.write_all(b"1\r\nx\r\n")?;
                    thread::sleep(Duration::from_millis(50));
                }
            }
            "/truncate" => {
                out.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n0123456789")?;
                return Ok(());
            }
            "/huge" => {
                let size: u64 = 2 << 30;
                write!(out, "HTTP/1.1 200 OK\r\ncontent-length: {size}\r\n\r\n")?;
                let block = vec![0u8; 64 * 1024];
                let mut sent = 0u64;
                while sent < size {
                    let n = block
                        .len()
                        .min(usize::try_from(size - sent).unwrap_or(usize::MAX));
                    out.write_all(&block[..n])?;
                    sent += n as u64;
                }
            }
            "/endless" => {
                out.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")?;
                let mut chunk = b"10000\r\n".to_vec();
                chunk.extend(std::iter::repeat_n(0u8, 0x10000));
                chunk.extend_from_slice(b"\r\n");
                loop {
                    out.write_all(&chunk)?;
                }
            }
            "/silent" => hold(),
            _ => reply(
                &mut out,
                "404 Not Found",
                "application/json",
                b"{\"message\":\"no such path\"}",
            )?,
        }
    }
}

fn reply(
    out: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &[u8],
) -> std::io::Result<()> {
    write!(
        out,
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )?;
    out.write_all(body)
}

fn redirect(out: &mut TcpStream, location: &str) -> std::io::Result<()> {
    write!(
        out,
        "HTTP/1.1 302 Found\r\nlocation: {location}\r\ncontent-length: 0\r\n\r\n"
    )
}

/// Keeps the connection open and silent (until the process ends).
fn hold() -> ! {
    loop {
        thread::sleep(Duration::from_secs(3600));
    }
}

fn param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes `s` for use as a query value.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

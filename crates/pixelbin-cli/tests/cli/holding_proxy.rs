//! A TCP proxy on 127.0.0.1 that forwards everything both ways but holds back the answer to
//! chosen requests: for the window after the server acted on a request and before its answer
//! reached the client (the store-then-crash window of an upload).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

/// How long a proxied connection may sit idle before the proxy drops it, so its threads end.
const IDLE: Duration = Duration::from_secs(30);

/// The proxy; it stops accepting when dropped.
pub struct HoldingProxy {
    addr: SocketAddr,
    held: Arc<AtomicUsize>,
    holds: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl HoldingProxy {
    /// Forwards to `upstream`. On a connection that sends a request whose request line starts
    /// with one of `hold` (`"POST /path"`), nothing the server sends after it is passed on.
    pub fn start(upstream: SocketAddr, hold: &'static [&'static str]) -> HoldingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        let held = Arc::new(AtomicUsize::new(0));
        let holds = Arc::new(AtomicBool::new(true));
        let stop = Arc::new(AtomicBool::new(false));
        let (counter, holding, stopped) = (held.clone(), holds.clone(), stop.clone());
        thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let (counter, holding) = (counter.clone(), holding.clone());
                        thread::spawn(move || relay(client, upstream, hold, &holding, &counter));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        HoldingProxy {
            addr,
            held,
            holds,
            stop,
        }
    }

    /// From now on, passes every answer on (answers held so far stay held).
    pub fn pass_all(&self) {
        self.holds.store(false, Ordering::SeqCst);
    }

    /// `http://127.0.0.1:PORT`, for `--domain`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many requests had their answer held back so far.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::SeqCst)
    }
}

impl Drop for HoldingProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn relay(
    client: TcpStream,
    upstream: SocketAddr,
    hold: &[&str],
    holds: &AtomicBool,
    held: &AtomicUsize,
) {
    let Ok(server) = TcpStream::connect(upstream) else {
        return;
    };
    for stream in [&client, &server] {
        let _ = stream.set_read_timeout(Some(IDLE));
    }
    let holding = Arc::new(AtomicBool::new(false));
    let answers = {
        let (mut from, mut to) = (server.try_clone().unwrap(), client.try_clone().unwrap());
        let holding = holding.clone();
        thread::spawn(move || {
            let mut buf = [0u8; 16 * 1024];
            while let Ok(n @ 1..) = from.read(&mut buf) {
                // Held: read and dropped, so the server finishes its answer and the client
                // waits for one that never comes.
                if !holding.load(Ordering::SeqCst) && to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            let _ = to.shutdown(Shutdown::Write);
        })
    };
    let (mut from, mut to) = (client, server);
    let mut buf = [0u8; 16 * 1024];
    // The last bytes seen, so a request line split over two reads is still found.
    let mut window: Vec<u8> = Vec::new();
    while let Ok(n @ 1..) = from.read(&mut buf) {
        window.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&window);
        let asked = text
            .split("\r\n")
            .any(|line| hold.iter().any(|h| line.starts_with(h)));
        if asked && holds.load(Ordering::SeqCst) && !holding.swap(true, Ordering::SeqCst) {
            // Set before the request goes on: its answer is the first thing held.
            held.fetch_add(1, Ordering::SeqCst);
        }
        let keep = window.len().saturating_sub(256);
        window.drain(..keep);
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    let _ = answers.join();
}

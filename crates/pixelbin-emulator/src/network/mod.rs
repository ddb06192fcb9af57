//! A model of the network between clients and the emulator, applied to the emulator's own
//! connections: round-trip time, a bandwidth cap per connection (each direction), a shared
//! uplink cap (client to emulator, all connections together) and the cost of setting up a
//! connection. It lets a client's behaviour over a long path (where one TCP connection carries
//! far less than the link) be seen, and measured, on one machine.
//!
//! The model is deliberately simple, a small shaping layer in the accept path:
//!
//! - **Bandwidth**: each read from a connection is paced so that the bytes read stay within the
//!   connection's cap and, together with every other connection, within the link's cap; each
//!   write within the connection's cap.
//! - **Latency**: each time the emulator starts answering after having read from a connection
//!   (one request/response exchange), the answer waits one RTT: the request's last byte and
//!   the answer's first byte each travel half of it.
//! - **Set-up**: a new connection waits `connect_rtts` RTTs before it is served (TCP and TLS
//!   handshakes).

pub mod faults;
pub mod limits;
pub mod server;

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// The network model of [`EmulatorOptions::network`](crate::EmulatorOptions::network).
///
/// ```
/// use std::time::Duration;
/// use pixelbin_emulator::NetworkModel;
///
/// // A long path: 80 ms RTT, 32 Mbit/s per connection, a 512 Mbit/s uplink.
/// let wan = NetworkModel {
///     rtt: Duration::from_millis(80),
///     conn_mbit: Some(32.0),
///     link_mbit: Some(512.0),
///     connect_rtts: 2,
/// };
/// assert!(!wan.is_transparent());
/// assert!(NetworkModel::default().is_transparent());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NetworkModel {
    /// Round-trip time added to every request/response exchange.
    pub rtt: Duration,
    /// Cap of one connection, each direction, in megabits per second.
    pub conn_mbit: Option<f64>,
    /// Cap of the shared uplink (client to emulator, all connections), in megabits per second.
    pub link_mbit: Option<f64>,
    /// RTTs a new connection waits before it is served.
    pub connect_rtts: u32,
}

impl NetworkModel {
    /// Whether the model changes nothing (no latency, no caps).
    pub fn is_transparent(&self) -> bool {
        self.rtt.is_zero() && self.conn_mbit.is_none() && self.link_mbit.is_none()
    }
}

/// Largest read or write between two pacing decisions.
const BURST: usize = 64 * 1024;

/// A rate: when the next byte may pass.
#[derive(Debug)]
struct Pace {
    bytes_per_sec: f64,
    next: Instant,
}

impl Pace {
    fn new(mbit: f64) -> Pace {
        Pace {
            bytes_per_sec: mbit * 1e6 / 8.0,
            next: Instant::now(),
        }
    }

    /// Accounts `n` bytes passing now; returns when the next may pass.
    fn pass(&mut self, n: usize, now: Instant) -> Instant {
        let start = self.next.max(now);
        let cost = Duration::from_secs_f64(n as f64 / self.bytes_per_sec);
        self.next = start + cost;
        self.next
    }
}

/// The model with its shared state (the link), for every connection of one emulator.
#[derive(Debug)]
pub(crate) struct Network {
    model: NetworkModel,
    link: Option<Mutex<Pace>>,
}

impl Network {
    pub(crate) fn new(model: NetworkModel) -> Arc<Network> {
        let link = model
            .link_mbit
            .filter(|m| *m > 0.0)
            .map(|m| Mutex::new(Pace::new(m)));
        Arc::new(Network { model, link })
    }

    /// Waits the connection set-up cost.
    pub(crate) async fn connect(&self) {
        let wait = self.model.rtt.saturating_mul(self.model.connect_rtts);
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Wraps an accepted connection.
    pub(crate) fn shape<S>(self: &Arc<Self>, inner: S) -> Shaped<S> {
        let per_conn = || self.model.conn_mbit.filter(|m| *m > 0.0).map(Pace::new);
        Shaped {
            inner,
            network: self.clone(),
            up: per_conn(),
            down: per_conn(),
            read_wait: None,
            write_wait: None,
            answering: false,
            scratch: vec![0; BURST],
        }
    }
}

/// A connection shaped by the [`NetworkModel`].
pub(crate) struct Shaped<S> {
    inner: S,
    network: Arc<Network>,
    /// Pacing of client-to-emulator bytes on this connection.
    up: Option<Pace>,
    /// Pacing of emulator-to-client bytes on this connection.
    down: Option<Pace>,
    read_wait: Option<Pin<Box<Sleep>>>,
    write_wait: Option<Pin<Box<Sleep>>>,
    /// Whether the emulator read since it last wrote (its next write starts an answer).
    answering: bool,
    scratch: Vec<u8>,
}

fn wait_for(slot: &mut Option<Pin<Box<Sleep>>>, cx: &mut Context<'_>) -> Poll<()> {
    if let Some(sleep) = slot {
        ready!(sleep.as_mut().poll(cx));
        *slot = None;
    }
    Poll::Ready(())
}

fn later(until: Instant, now: Instant) -> Option<Pin<Box<Sleep>>> {
    (until > now).then(|| Box::pin(tokio::time::sleep_until(until)))
}

impl<S: AsyncRead + Unpin> AsyncRead for Shaped<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        ready!(wait_for(&mut this.read_wait, cx));
        let want = buf.remaining().min(BURST);
        let mut small = ReadBuf::new(&mut this.scratch[..want]);
        ready!(Pin::new(&mut this.inner).poll_read(cx, &mut small))?;
        let n = small.filled().len();
        buf.put_slice(small.filled());
        if n > 0 {
            this.answering = true;
            let now = Instant::now();
            let mut until = now;
            if let Some(up) = this.up.as_mut() {
                until = until.max(up.pass(n, now));
            }
            if let Some(link) = &this.network.link
                && let Ok(mut link) = link.lock()
            {
                until = until.max(link.pass(n, now));
            }
            this.read_wait = later(until, now);
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Shaped<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.answering {
            // The first byte of an answer: one round trip after the request.
            this.answering = false;
            let now = Instant::now();
            this.write_wait = later(now + this.network.model.rtt, now);
        }
        ready!(wait_for(&mut this.write_wait, cx));
        let chunk = &data[..data.len().min(BURST)];
        let n = ready!(Pin::new(&mut this.inner).poll_write(cx, chunk))?;
        if let Some(down) = this.down.as_mut() {
            let now = Instant::now();
            this.write_wait = later(down.pass(n, now), now);
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    fn model(rtt_ms: u64, conn: Option<f64>, link: Option<f64>) -> Arc<Network> {
        Network::new(NetworkModel {
            rtt: Duration::from_millis(rtt_ms),
            conn_mbit: conn,
            link_mbit: link,
            connect_rtts: 0,
        })
    }

    /// Time (paused clock) for the emulator side to read `bytes` sent by a client.
    async fn read_time(network: &Arc<Network>, bytes: usize) -> Duration {
        let (mut client, server) = tokio::io::duplex(1 << 20);
        let mut server = network.shape(server);
        let started = Instant::now();
        let writer = async move {
            client.write_all(&vec![1u8; bytes]).await.unwrap();
            client
        };
        let reader = async {
            let mut got = vec![0u8; bytes];
            server.read_exact(&mut got).await.unwrap();
        };
        let (_client, ()) = tokio::join!(writer, reader);
        started.elapsed()
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_is_capped() {
        // 8 Mbit/s = 1 MB/s: 4 MB take about 4 s.
        let took = read_time(&model(0, Some(8.0), None), 4_000_000).await;
        assert!(
            took >= Duration::from_millis(3900) && took <= Duration::from_millis(4100),
            "{took:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_link_is_shared() {
        // Two connections of 8 Mbit/s each on a 8 Mbit/s link: 2 x 2 MB take about 4 s.
        let network = model(0, Some(8.0), Some(8.0));
        let started = Instant::now();
        tokio::join!(
            read_time(&network, 2_000_000),
            read_time(&network, 2_000_000)
        );
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(3900) && took <= Duration::from_millis(4200),
            "{took:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_answer_waits_one_round_trip() {
        let network = model(80, None, None);
        let (mut client, server) = tokio::io::duplex(1024);
        let mut server = network.shape(server);
        client.write_all(b"ping").await.unwrap();
        let mut got = [0u8; 4];
        server.read_exact(&mut got).await.unwrap();
        let started = Instant::now();
        server.write_all(b"pong").await.unwrap();
        client.read_exact(&mut got).await.unwrap();
        assert_eq!(started.elapsed(), Duration::from_millis(80));
        // A second write of the same answer does not wait again.
        let started = Instant::now();
        server.write_all(b"more").await.unwrap();
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[test]
    fn transparency() {
        assert!(NetworkModel::default().is_transparent());
        let capped = NetworkModel {
            link_mbit: Some(1.0),
            ..NetworkModel::default()
        };
        assert!(!capped.is_transparent());
    }
}

//! The emulator as a server: clients that send nothing, stop halfway through their headers or
//! sit idle lose their connection; a hang-up (SIGHUP) removes the temporary directory as
//! SIGTERM does.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pixelbin_emulator::{Emulator, EmulatorOptions};

/// Far above the configured limit: a connection closed before this was closed by it.
const GENEROUS: Duration = Duration::from_secs(20);

fn emulator(idle: Duration) -> Emulator {
    Emulator::spawn(EmulatorOptions {
        idle_timeout: idle,
        ..EmulatorOptions::default()
    })
    .expect("the emulator starts")
}

/// Connects, sends `first`, and returns how long until the server closed the connection.
fn closed_after(emu: &Emulator, first: &[u8]) -> Duration {
    let addr = emu.url().trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(GENEROUS)).unwrap();
    let started = Instant::now();
    stream.write_all(first).unwrap();
    let mut buf = Vec::new();
    // Reads whatever the server answers until it closes; a timeout here fails the test.
    match stream.read_to_end(&mut buf) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("the connection stayed open: {e}"),
    }
    started.elapsed()
}

#[test]
fn a_silent_client_is_disconnected() {
    let emu = emulator(Duration::from_millis(300));
    assert!(closed_after(&emu, b"") < GENEROUS);
}

#[test]
fn a_client_stopping_inside_its_headers_is_disconnected() {
    let emu = emulator(Duration::from_millis(300));
    assert!(
        closed_after(
            &emu,
            b"GET /service/public/transformation/v1.0/predictions HTTP/1.1\r\nHost: x\r\n"
        ) < GENEROUS
    );
}

#[test]
fn an_idle_keep_alive_connection_is_closed_after_its_answer() {
    let emu = emulator(Duration::from_millis(300));
    let request = b"GET /_emulator/stats HTTP/1.1\r\nHost: x\r\n\r\n";
    assert!(closed_after(&emu, request) < GENEROUS);
}

#[test]
fn a_busy_connection_is_kept() {
    let emu = emulator(Duration::from_millis(500));
    let addr = emu.url().trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(GENEROUS)).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    // Requests 200 ms apart, for longer than the idle limit in all: the same connection serves them.
    for _ in 0..5 {
        stream
            .write_all(b"GET /_emulator/stats HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(status.starts_with("HTTP/1.1 200"), "{status:?}");
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[cfg(unix)]
#[test]
fn a_hang_up_removes_the_temporary_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pixelbin-emulator"))
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(
        line.starts_with("pixelbin-emulator listening on "),
        "{line}"
    );
    let made: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(made.len(), 1, "the emulator's own directory");
    let status = Command::new("kill")
        .args(["-HUP", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

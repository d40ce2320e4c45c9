//! A webhook receiver for tests: a tiny HTTP server on a std `TcpListener` that keeps every
//! request it gets and answers with the status the test sets (or drops the connection while
//! "down"), and checks each request's signature. It closes each connection after one answer,
//! unless started with `keeping_connections`, and counts the connections it accepted.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// One request as received, with the status it was answered (0: connection dropped).
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: String,
    pub answered: u16,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(&name.to_ascii_lowercase()).map_or("", String::as_str)
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// Whether `X-Webhook-Signature` is the HMAC of `timestamp.body` under `secret`.
    pub fn signed_with(&self, secret: &str) -> bool {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
        mac.update(format!("{}.{}", self.header("X-Webhook-Timestamp"), self.body).as_bytes());
        let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        self.header("X-Webhook-Signature") == format!("sha256={expected}")
    }
}

pub struct Receiver {
    pub url: String,
    requests: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
    connections: Arc<AtomicUsize>,
}

/// The status meaning "drop the connection without an answer".
pub const DOWN: u16 = 0;

impl Receiver {
    pub fn start() -> Receiver {
        Receiver::listen(false)
    }

    /// A receiver that keeps connections open and answers with a 60 KB body: a client must
    /// read an answer to its end to use the connection again.
    pub fn keeping_connections() -> Receiver {
        Receiver::listen(true)
    }

    fn listen(keep_alive: bool) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the receiver");
        let url = format!("http://{}/hook", listener.local_addr().expect("receiver address"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(AtomicU16::new(200));
        let connections = Arc::new(AtomicUsize::new(0));
        let (kept, answer, accepted) = (requests.clone(), status.clone(), connections.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                accepted.fetch_add(1, Ordering::SeqCst);
                let (kept, answer) = (kept.clone(), answer.clone());
                std::thread::spawn(move || serve(stream, &kept, &answer, keep_alive));
            }
        });
        Receiver { url, requests, status, connections }
    }

    /// The connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Answer every next request with `status` (`DOWN`: drop it).
    pub fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    pub fn all(&self) -> Vec<Received> {
        self.requests.lock().expect("requests").clone()
    }

    /// The requests answered with a 2xx.
    pub fn delivered(&self) -> Vec<Received> {
        self.all().into_iter().filter(|r| (200..300).contains(&r.answered)).collect()
    }

    /// Waits until `done` holds for the delivered requests (at most `within`), and returns them.
    pub async fn wait_until(&self, within: Duration, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let delivered = self.delivered();
            if done(&delivered) || start.elapsed() > within {
                return delivered;
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for `n` delivered requests (at most 20 s).
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        self.wait_until(Duration::from_secs(20), |d| d.len() >= n).await
    }
}

fn serve(stream: TcpStream, kept: &Mutex<Vec<Received>>, answer: &AtomicU16, keep_alive: bool) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
    let mut stream = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() || line.is_empty() {
            return;
        }
        let mut headers = HashMap::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
            }
        }
        let length = headers.get("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let status = answer.load(Ordering::SeqCst);
        let body = String::from_utf8_lossy(&body).into_owned();
        kept.lock().expect("requests").push(Received { headers, body, answered: status });
        if status == DOWN {
            return;
        }
        if !keep_alive {
            let reply = format!("HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
            let _ = stream.write_all(reply.as_bytes());
            return;
        }
        let answer_body = "x".repeat(60 * 1024);
        let reply = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n\r\n{answer_body}", answer_body.len());
        if stream.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

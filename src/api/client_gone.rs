//! A request whose client has gone is dropped, and with it the database work it started
//! (`db::stop`). actix-web notices a closed connection only when it writes the answer, so this
//! middleware looks at the socket itself while a request runs: a peek that reads the end of the
//! stream (or a reset) means the client is gone.

use std::os::fd::RawFd;
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Extensions, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use futures_util::future::{select, Either};

/// The socket of the connection a request came on (`HttpServer::on_connect`).
#[derive(Clone, Copy)]
struct PeerSocket(RawFd);

/// How often a running request looks at its client's socket; fast answers never look.
const LOOK_EVERY: Duration = Duration::from_millis(50);

/// For `HttpServer::on_connect`: remembers each TCP connection's socket.
pub fn remember_socket(connection: &dyn std::any::Any, data: &mut Extensions) {
    use std::os::fd::AsRawFd;
    if let Some(stream) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
        data.insert(PeerSocket(stream.as_raw_fd()));
    }
}

pub async fn stop_when_gone(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(PeerSocket(fd)) = req.conn_data::<PeerSocket>().copied() else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let answer = Box::pin(next.call(req));
    let gone = Box::pin(async move {
        loop {
            actix_web::rt::time::sleep(LOOK_EVERY).await;
            if client_gone(fd) {
                return;
            }
        }
    });
    match select(answer, gone).await {
        Either::Left((answer, _)) => answer.map(ServiceResponse::map_into_boxed_body),
        // The handler's future is dropped here; nobody reads this answer. (The request itself
        // cannot be kept for an answer: actix needs it held once while the handler runs.)
        Either::Right(_) => Err(actix_web::error::ErrorServiceUnavailable("the client has gone")),
    }
}

/// Whether the peer closed or reset the connection. A peek neither consumes the next
/// (pipelined) request nor blocks; the socket stays open while its request runs, so `fd` is
/// still this connection's.
fn client_gone(fd: RawFd) -> bool {
    let mut byte = 0u8;
    // SAFETY: a non-blocking peek of one byte into a local buffer.
    let read = unsafe { libc::recv(fd, (&mut byte as *mut u8).cast(), 1, libc::MSG_PEEK | libc::MSG_DONTWAIT) };
    match read {
        0 => true,
        n if n > 0 => false,
        _ => {
            let error = std::io::Error::last_os_error().raw_os_error();
            !matches!(error, Some(libc::EAGAIN | libc::EINTR))
        }
    }
}

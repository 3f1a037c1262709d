//! A request body that stops arriving is cut off: an upload that sends nothing for
//! `FERRUM_BODY_IDLE_TIMEOUT_SECS` ends with an error for its handler (which answers it
//! like a broken-off upload), and the answer closes the connection. Without it, a client
//! that sends a header and a few bytes holds a connection, a spool file and an ingest slot
//! for as long as it likes; the header itself has `FERRUM_REQUEST_HEADER_TIMEOUT_SECS`.
//! The timer restarts with every chunk, so a slow but steady upload is never cut.
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{header, ConnectionType};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{web, Error};
use futures_util::Stream;
use tokio::time::{sleep, Sleep};

/// How long a request body may send nothing; in the app data (absent: no limit).
#[derive(Debug, Clone, Copy)]
pub struct BodyIdleTimeout(pub Duration);

/// The middleware, for `App::wrap(from_fn(…))`.
pub async fn apply<B: MessageBody>(mut req: ServiceRequest, next: Next<B>) -> Result<ServiceResponse<B>, Error> {
    let has_body =
        req.headers().contains_key(header::CONTENT_LENGTH) || req.headers().contains_key(header::TRANSFER_ENCODING);
    let idle = req.app_data::<web::Data<BodyIdleTimeout>>().map(|t| t.0);
    let Some(idle) = idle.filter(|_| has_body) else {
        return next.call(req).await;
    };
    let stalled = Rc::new(Cell::new(false));
    let inner = req.parts_mut().1.take();
    let guarded = IdleTimeout { inner, idle, timer: None, stalled: stalled.clone(), done: false };
    req.set_payload(Payload::Stream { payload: Box::pin(guarded) });
    let mut res = next.call(req).await?;
    if stalled.get() {
        // The rest of the body may never come: do not wait for it to reuse the connection.
        res.response_mut().head_mut().set_connection_type(ConnectionType::Close);
    }
    Ok(res)
}

/// A payload that fails once it has been idle for `idle`.
struct IdleTimeout {
    inner: Payload,
    idle: Duration,
    timer: Option<Pin<Box<Sleep>>>,
    stalled: Rc<Cell<bool>>,
    done: bool,
}

impl Stream for IdleTimeout {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(item) => {
                // Data (or the end): the next chunk gets a fresh allowance.
                this.timer = None;
                this.done = item.is_none();
                Poll::Ready(item)
            }
            Poll::Pending => {
                let idle = this.idle;
                let timer = this.timer.get_or_insert_with(|| Box::pin(sleep(idle)));
                if timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.done = true;
                this.stalled.set(true);
                let why = format!("no data arrived for {} s", idle.as_secs());
                Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(std::io::ErrorKind::TimedOut, why)))))
            }
        }
    }
}

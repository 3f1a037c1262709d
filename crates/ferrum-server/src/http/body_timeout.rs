//! A request body that stops arriving is cut off: an upload that sends nothing for
//! `FERRUM_BODY_IDLE_TIMEOUT_SECS` ends with an error for its handler (which answers it
//! like a broken-off upload). Without it, a client that sends a header and a few bytes holds
//! a connection, a spool file and an ingest slot for as long as it likes; the header itself
//! has `FERRUM_REQUEST_HEADER_TIMEOUT_SECS`. The timer restarts with every chunk, so a slow
//! but steady upload is never cut.
//!
//! A body its handler did not read to the end (cut off, refused as too large, or never
//! looked at because the token was wrong) closes the connection after the answer. Left to
//! itself, actix-http would go on reading and discarding the rest of a chunked body with no
//! time limit, so that a client could hold the connection by sending nothing; keeping the
//! unread body alive until the answer is written makes it close the connection instead.
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BodySize, BoxBody, EitherBody, MessageBody};
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

/// What the guarded payload tells the middleware once the handler is done with it.
#[derive(Default)]
struct Outcome {
    stalled: Cell<bool>,
    /// The original payload, when the handler dropped it before its end.
    unread: RefCell<Option<Payload>>,
}

/// The middleware, for `App::wrap(from_fn(…))`.
pub async fn apply<B: MessageBody + 'static>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B, HoldsUnread>>, Error> {
    let has_body =
        req.headers().contains_key(header::CONTENT_LENGTH) || req.headers().contains_key(header::TRANSFER_ENCODING);
    let idle = req.app_data::<web::Data<BodyIdleTimeout>>().map(|t| t.0);
    let Some(idle) = idle.filter(|_| has_body) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let outcome = Rc::new(Outcome::default());
    let inner = req.parts_mut().1.take();
    let guarded = IdleTimeout { inner, idle, timer: None, outcome: outcome.clone(), timed_out: false, ended: false };
    req.set_payload(Payload::Stream { payload: Box::pin(guarded) });
    let mut res = next.call(req).await?;
    if outcome.stalled.get() {
        // The rest of the body may never come: do not wait for it to reuse the connection.
        res.response_mut().head_mut().set_connection_type(ConnectionType::Close);
    }
    let unread = outcome.unread.borrow_mut().take();
    Ok(match unread {
        None => res.map_into_left_body(),
        Some(unread) => res.map_body(|_, body| EitherBody::right(HoldsUnread { body: body.boxed(), _unread: unread })),
    })
}

/// An answer's body that keeps its request's unread payload alive until it is written, so
/// that actix-http closes the connection rather than draining the rest of the request.
pub struct HoldsUnread {
    body: BoxBody,
    _unread: Payload,
}

impl MessageBody for HoldsUnread {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_next(cx)
    }
}

/// A payload that fails once it has been idle for `idle`, and hands itself back to the
/// middleware if dropped before its end.
struct IdleTimeout {
    inner: Payload,
    idle: Duration,
    timer: Option<Pin<Box<Sleep>>>,
    outcome: Rc<Outcome>,
    timed_out: bool,
    ended: bool,
}

impl Drop for IdleTimeout {
    fn drop(&mut self) {
        if !self.ended {
            *self.outcome.unread.borrow_mut() = Some(self.inner.take());
        }
    }
}

impl Stream for IdleTimeout {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.timed_out || this.ended {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(item) => {
                // Data (or the end): the next chunk gets a fresh allowance.
                this.timer = None;
                this.ended = item.is_none();
                Poll::Ready(item)
            }
            Poll::Pending => {
                let idle = this.idle;
                let timer = this.timer.get_or_insert_with(|| Box::pin(sleep(idle)));
                if timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.timed_out = true;
                this.outcome.stalled.set(true);
                let why = format!("no data arrived for {} s", idle.as_secs());
                Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(std::io::ErrorKind::TimedOut, why)))))
            }
        }
    }
}

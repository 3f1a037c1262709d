//! Registering routes through one door that remembers them: every route the router serves is
//! added here with its method and full path template, so the OpenAPI document can be checked
//! against what is really registered (a route missing from the document, or a documented one
//! the router lacks, fails `openapi::tests`).
use std::cell::RefCell;
use std::rc::Rc;

use actix_web::http::Method;
use actix_web::{web, FromRequest, Handler, Responder, Route};

/// One registered route: its method and its path template from the root (`/api/studies/{study_uid}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub method: Method,
    pub path: String,
}

/// The routes registered so far, when someone asked to know them (the document's check);
/// serving does not keep a list.
pub type Log = Option<Rc<RefCell<Vec<Endpoint>>>>;

/// What routes can be added to: the app's config or a scope.
pub trait Target: Sized {
    fn add(self, path: &str, route: Route) -> Self;
}

impl Target for &mut web::ServiceConfig {
    fn add(self, path: &str, route: Route) -> Self {
        self.route(path, route)
    }
}

impl Target for actix_web::Scope {
    fn add(self, path: &str, route: Route) -> Self {
        self.route(path, route)
    }
}

/// Adds routes to `target`, whose paths start at `root` (the scope's prefix).
pub struct Routes<T> {
    target: T,
    root: String,
    log: Log,
}

macro_rules! verbs {
    ($($verb:ident => $method:ident),*) => {$(
        pub fn $verb<F, Args>(self, path: &str, handler: F) -> Self
        where
            F: Handler<Args>,
            Args: FromRequest + 'static,
            F::Output: Responder + 'static,
        {
            self.add(Method::$method, path, web::method(Method::$method).to(handler))
        }
    )*};
}

impl<T: Target> Routes<T> {
    pub fn new(target: T, root: &str, log: &Log) -> Self {
        Routes { target, root: root.to_owned(), log: log.clone() }
    }

    verbs!(get => GET, post => POST, put => PUT, patch => PATCH, delete => DELETE);

    fn add(mut self, method: Method, path: &str, route: Route) -> Self {
        if let Some(log) = &self.log {
            log.borrow_mut().push(Endpoint { method, path: format!("{}{path}", self.root) });
        }
        self.target = self.target.add(path, route);
        self
    }

    /// The target with the routes added, for what else it needs (a default service).
    pub fn done(self) -> T {
        self.target
    }
}

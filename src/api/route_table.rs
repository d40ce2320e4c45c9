//! The route table as data: each route registers its handler with actix and is listed, so the
//! OpenAPI document's paths and methods come from the table that serves them (`openapi`).

use actix_web::http::Method;
use actix_web::web::{self, ServiceConfig};
use actix_web::Resource;
use actix_web::{FromRequest, Handler, Responder};

use crate::format::Format;

/// One method on one path, as served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The actix pattern, without a format suffix (`/contacts/{id}`).
    pub path: &'static str,
    pub method: Method,
    /// The format this route is limited to (`GET /contacts.csv`), if any.
    pub only: Option<Format>,
    /// The handler's path below `api::` (`contacts::show_contact`): what the document's
    /// operation is looked up by.
    pub handler: String,
}

/// Every resource and its routes, in registration order (which is actix's matching order).
#[derive(Default)]
pub struct RouteTable {
    resources: Vec<Resource>,
    routes: Vec<Route>,
}

impl RouteTable {
    /// Starts a resource at `path`; chain its methods on the answer.
    pub fn at(&mut self, path: &'static str) -> At<'_> {
        self.resources.push(web::resource(path));
        At { table: self, path }
    }

    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// Hands every resource to actix.
    pub fn register(self, cfg: &mut ServiceConfig) {
        for resource in self.resources {
            cfg.service(resource);
        }
    }
}

/// The resource being built by [`RouteTable::at`].
pub struct At<'a> {
    table: &'a mut RouteTable,
    path: &'static str,
}

impl At<'_> {
    pub fn get<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(Method::GET, None, handler)
    }

    /// A GET served only when the path's suffix asked for `format` (`.csv`, `.vcf`); listed
    /// before the plain GET of the same path, which would otherwise take it.
    pub fn get_as<F, Args>(self, format: Format, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(Method::GET, Some(format), handler)
    }

    pub fn post<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(Method::POST, None, handler)
    }

    pub fn put<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(Method::PUT, None, handler)
    }

    pub fn patch<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(Method::PATCH, None, handler)
    }

    pub fn delete<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(Method::DELETE, None, handler)
    }

    pub fn options<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(Method::OPTIONS, None, handler)
    }

    fn route<F, Args>(self, method: Method, only: Option<Format>, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let mut route = web::route().method(method.clone());
        if let Some(format) = only {
            route = route.guard(wants(format));
        }
        let resource = self.table.resources.pop().expect("at() pushed this resource");
        self.table.resources.push(resource.route(route.to(handler)));
        self.table.routes.push(Route { path: self.path, method, only, handler: handler_name::<F>() });
        self
    }
}

/// Routes a request by the format its suffix asked for (`.csv`, `.vcf`).
fn wants(format: Format) -> impl actix_web::guard::Guard {
    actix_web::guard::fn_guard(move |ctx| ctx.req_data().get::<Format>() == Some(&format))
}

/// `contacts_server::api::contacts::show_contact` → `contacts::show_contact`.
fn handler_name<F>() -> String {
    let full = std::any::type_name::<F>();
    let below_crate = full.split_once("::").map_or(full, |(_, rest)| rest);
    below_crate.strip_prefix("api::").unwrap_or(below_crate).to_string()
}

//! `GET /api/openapi.json` (the OpenAPI 3.1 document of [`crate::openapi`]) and `GET
//! /api/docs`, a page that lays it out for people.
use actix_web::http::StatusCode;
use actix_web::HttpResponse;

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(crate::openapi::document())
}

pub async fn reference_page() -> HttpResponse {
    super::webapp::page(StatusCode::OK, "api/index.html")
}

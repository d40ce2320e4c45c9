//! The benchmark's ceiling: the smallest actix-web server answering every request with a fixed
//! 2 KB JSON body. What the contacts server reaches is reported as a share of this, measured in
//! the same run on the same machine. bench/webhooks.sh uses it as the hooks' receiver. `cargo run --release --example ceiling -- 127.0.0.1:3999`

use actix_web::{web, App, HttpResponse, HttpServer};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:3999".to_string());
    // A contact-like object padded to 2,048 bytes.
    let mut body = String::from(r#"{"contact":{"id":1,"first_name":"Ada","last_name":"Lovelace","background":""#);
    while body.len() < 2048 - 4 {
        body.push('x');
    }
    body.push_str(r#""}}"#);
    let body = web::Bytes::from(body);
    HttpServer::new(move || {
        let body = body.clone();
        // The request's body is read (as any receiver does): actix closes a connection whose
        // body was left unread, which would make every webhook delivery to it a new connection.
        App::new().default_service(web::to(move |_request_body: web::Bytes| {
            let body = body.clone();
            async move { HttpResponse::Ok().content_type("application/json; charset=utf-8").body(body) }
        }))
    })
    .bind(bind)?
    .run()
    .await
}

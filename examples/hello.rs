//! The ceiling the mixed-workload figures are compared with: actix-web's "hello world" on
//! this machine, with actix's defaults (one worker per core), measured in the same run.
//!
//! ```sh
//! cargo run --release --example hello -- 127.0.0.1:18083
//! ```

use actix_web::{App, HttpServer, web};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:18083".into());
    HttpServer::new(|| App::new().route("/", web::get().to(|| async { "Hello world!" }))).bind(addr)?.run().await
}

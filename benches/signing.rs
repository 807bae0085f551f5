//! Signing one webhook delivery: ours (`hmac` + `sha2`) against the `standardwebhooks` crate it
//! replaced, on a body the size of a work order document. Run: `cargo bench --bench signing`.
//! (Under valgrind both use portable SHA-256: `sha2` finds the processor's SHA instructions
//! only on the real processor, so compare them here, not in instruction counts.)

use std::hint::black_box;

use atelier::bridge::signing::{new_secret, sign};
use criterion::{Criterion, criterion_group, criterion_main};

fn signing(c: &mut Criterion) {
    let secret = new_secret();
    let body = format!(r#"{{"type":"work_order.created","data":{{"lines":[{}]}}}}"#, vec![r#"{"part":"frame","spec":"carbon s56 internal routing"}"#; 60].join(","));
    let mut group = c.benchmark_group(format!("sign a {} byte body", body.len()));
    group.bench_function("hmac + sha2", |b| b.iter(|| sign(black_box(&secret), "msg_1", 1_700_000_000, black_box(&body))));
    let hook = standardwebhooks::Webhook::new(&secret).unwrap();
    group.bench_function("standardwebhooks", |b| b.iter(|| hook.sign("msg_1", 1_700_000_000, black_box(body.as_bytes()))));
    group.finish();
}

criterion_group!(benches, signing);
criterion_main!(benches);

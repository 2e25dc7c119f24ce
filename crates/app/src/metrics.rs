//! The process's Prometheus recorder: what the lower layers and the HTTP middleware record
//! through the `metrics` facade, rendered by `GET /metrics`.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Latency buckets in seconds, from sub-millisecond cache hits to slow password checks.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process-wide recorder, installed on first use. There is one per process because
/// the `metrics` facade has one global recorder; several servers in one test process
/// share it.
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full("emporium_store_write_batch_size".into()),
                    &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0],
                )
            });
        let recorder = match builder {
            Ok(b) => b.build_recorder(),
            // Only an empty bucket list fails, and ours are constants.
            Err(_) => PrometheusBuilder::new().build_recorder(),
        };
        let handle = recorder.handle();
        // Another recorder may already be installed (e.g. by an embedding program); then
        // our handle simply renders nothing.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

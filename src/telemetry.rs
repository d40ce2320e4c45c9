//! What the server tells its operators: log lines on stderr (text or JSON), and the metrics
//! `/metrics` renders. Metrics go through the `metrics` facade to one process-wide Prometheus
//! recorder: like a logger, it is set once and every layer records into it without being
//! handed anything (the pool's waits and statement times are measured in `db/`).

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per event, its fields at the top level.
    Json,
}

/// Installs the log writer once (a second call, a test's, keeps the first). `RUST_LOG`
/// overrides the levels.
pub fn init_logging(format: LogFormat) {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,actix_server=warn".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// Metric names, in one place so the README's table and the code agree.
pub mod names {
    pub const HTTP_REQUESTS: &str = "http_requests_total";
    pub const HTTP_DURATION: &str = "http_request_duration_seconds";
    pub const POOL_CONNECTIONS: &str = "db_pool_connections";
    pub const POOL_MAX: &str = "db_pool_max_connections";
    pub const POOL_WAIT: &str = "db_pool_wait_seconds";
    pub const POOL_TIMEOUTS: &str = "db_pool_timeouts_total";
    pub const STATEMENT_DURATION: &str = "db_statement_duration_seconds";
    pub const FORM_POSTS: &str = "web_form_posts_total";
}

/// Upper bounds of the latency buckets, in seconds: 1 ms to 10 s.
const LATENCY_BUCKETS: [f64; 13] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

static RECORDER: OnceLock<PrometheusHandle> = OnceLock::new();

/// The recorder's handle, installing the recorder on first use.
pub fn metrics() -> &'static PrometheusHandle {
    RECORDER.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &LATENCY_BUCKETS)
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_ok() {
            describe();
        }
        // The recorder keeps histogram samples until they are folded into buckets: without a
        // scrape for a while they would pile up.
        let upkeep = handle.clone();
        std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || loop {
                std::thread::sleep(Duration::from_secs(5));
                upkeep.run_upkeep();
            })
            .expect("start the metrics upkeep thread");
        handle
    })
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(names::HTTP_REQUESTS, "Requests answered, by method, route pattern and status");
    describe_histogram!(names::HTTP_DURATION, Unit::Seconds, "Time to answer's head, by method and route pattern");
    describe_gauge!(names::POOL_CONNECTIONS, "Database connections open, by state (in_use, idle)");
    describe_gauge!(names::POOL_MAX, "The most database connections the pool opens");
    describe_histogram!(names::POOL_WAIT, Unit::Seconds, "Time a request waited for a database connection");
    describe_counter!(names::POOL_TIMEOUTS, "Requests that found no database connection in time (503)");
    describe_histogram!(names::STATEMENT_DURATION, Unit::Seconds, "Time each SQL statement ran");
    describe_counter!(
        names::FORM_POSTS,
        "Public web-form posts, by outcome (accepted, honeypot, rate_limited, refused)"
    );
}

//! Counters and histograms for `/metrics`, in Prometheus text format via
//! prometheus-client: releases per region, refused files by reason, ingest
//! latency, HTTP requests by route and status.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Label of a per-region gauge.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RegionLabel {
    /// Region slug.
    pub region: String,
}

/// Label of the refusal counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    /// Refusal reason (`empty`, `binary`, `too_large`, `no_title`, `unreadable`).
    pub reason: String,
}

/// Labels of the request counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// Route family (`feed`, `index`, `release`, ...).
    pub route: String,
    /// HTTP status code.
    pub status: u16,
}

/// Route labels with a counter kept at hand.
const ROUTES: [&str; 8] = [
    "feed", "index", "release", "opml", "regions", "healthz", "metrics", "other",
];
/// Statuses with a counter kept at hand.
const STATUSES: [u16; 8] = [200, 304, 400, 404, 405, 431, 500, 503];

/// Bucket bounds of the per-batch timings, in seconds: a batch is a few
/// milliseconds on a quiet disk, and a stalled flush can take a second.
const BATCH_SECONDS: [f64; 11] = [
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// Every metric the daemon exports, shared by ingest and HTTP.
pub struct Metrics {
    registry: Registry,
    /// Releases currently published, per region.
    pub releases: Family<RegionLabel, Gauge>,
    /// Files refused, by reason, since start.
    pub refused: Family<ReasonLabel, Counter>,
    /// Files currently refused (present in the folders and not published),
    /// by reason.
    pub refused_files: Family<ReasonLabel, Gauge>,
    /// Seconds from a change seen on disk to its snapshot being served.
    pub ingest_latency: Histogram,
    /// Seconds each batch's commit took: the store's write of its log and
    /// the disk's flush, the part of `ingest_latency` the disk decides.
    pub store_commit: Histogram,
    /// Full rescans of the watched folders since start.
    pub rescans: Counter,
    /// HTTP requests answered, by route and status.
    pub requests: Family<RequestLabels, Counter>,
    /// Version of the snapshot being served.
    pub snapshot_version: Gauge<u64, AtomicU64>,
    hot: [[std::sync::OnceLock<Counter>; STATUSES.len()]; ROUTES.len()],
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("pressfeed");
        let releases = Family::<RegionLabel, Gauge>::default();
        let refused = Family::<ReasonLabel, Counter>::default();
        let refused_files = Family::<ReasonLabel, Gauge>::default();
        let ingest_latency = Histogram::new(BATCH_SECONDS);
        let store_commit = Histogram::new(BATCH_SECONDS);
        let rescans = Counter::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let snapshot_version = Gauge::<u64, AtomicU64>::default();
        registry.register(
            "releases",
            "Releases currently published, per region",
            releases.clone(),
        );
        registry.register(
            "files_refused",
            "Release files refused, by reason",
            refused.clone(),
        );
        registry.register(
            "refused_files",
            "Release files currently refused (present but not published), by reason",
            refused_files.clone(),
        );
        registry.register(
            "ingest_latency_seconds",
            "Time from a change seen on disk to the feeds that show it",
            ingest_latency.clone(),
        );
        registry.register(
            "store_commit_seconds",
            "Time to make one ingest batch durable (commit and disk flush)",
            store_commit.clone(),
        );
        registry.register(
            "rescans",
            "Full rescans of the watched folders",
            rescans.clone(),
        );
        registry.register(
            "http_requests",
            "HTTP requests answered, by route and status",
            requests.clone(),
        );
        registry.register(
            "snapshot_version",
            "Version of the snapshot being served",
            snapshot_version.clone(),
        );
        Metrics {
            registry,
            releases,
            refused,
            refused_files,
            ingest_latency,
            store_commit,
            rescans,
            requests,
            snapshot_version,
            hot: Default::default(),
        }
    }

    /// Counts one refused file.
    pub fn count_refusal(&self, reason: &str) {
        self.refused
            .get_or_create(&ReasonLabel {
                reason: reason.to_owned(),
            })
            .inc();
    }

    /// Counts one answered request. The common routes and statuses keep
    /// their counter at hand, so the hot path takes no lock and allocates
    /// nothing.
    pub fn count_request(&self, route: &'static str, status: u16) {
        let labels = || RequestLabels {
            route: route.to_owned(),
            status,
        };
        let slot = ROUTES
            .iter()
            .position(|r| *r == route)
            .zip(STATUSES.iter().position(|s| *s == status));
        match slot {
            Some((r, s)) => self.hot[r][s]
                .get_or_init(|| self.requests.get_or_create(&labels()).clone())
                .inc(),
            None => self.requests.get_or_create(&labels()).inc(),
        };
    }

    /// The Prometheus text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_counters_by_label() {
        let m = Metrics::new();
        m.count_refusal("binary");
        m.count_refusal("binary");
        m.releases
            .get_or_create(&RegionLabel {
                region: "global".into(),
            })
            .set(3);
        let text = m.encode();
        assert!(
            text.contains("pressfeed_files_refused_total{reason=\"binary\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("pressfeed_releases{region=\"global\"} 3"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn refused_files_is_a_gauge_by_reason() {
        let m = Metrics::new();
        let gauge = m.refused_files.get_or_create(&ReasonLabel {
            reason: "empty".into(),
        });
        gauge.set(2);
        gauge.set(1);
        let text = m.encode();
        assert!(
            text.contains("# TYPE pressfeed_refused_files gauge"),
            "{text}"
        );
        assert!(
            text.contains("pressfeed_refused_files{reason=\"empty\"} 1"),
            "{text}"
        );
    }
}

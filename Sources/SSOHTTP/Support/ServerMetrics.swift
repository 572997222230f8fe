import CoreMetrics
import Foundation
import Synchronization

/// What the server counts, in Prometheus' conventions (base units, `_total` counters, bounded
/// labels), recorded through swift-metrics so that the backend is the composition root's choice.
/// The factory is injected rather than bootstrapped globally: several servers can run in one
/// process (the tests), each with its own registry.
public struct ServerMetrics: Sendable {
    let factory: any MetricsFactory
    /// The text at `/metrics`: the registry's exposition, plus what is read at scrape time.
    let exposition: @Sendable () async -> [UInt8]
    private let counters = Cache<String, Counter>()
    private let timers = Cache<String, CoreMetrics.Timer>()
    /// Both handles of a request series by a small hashable key: building the string keys and
    /// label arrays of the two caches above on every request was over 1% of an introspection.
    private let requests = Cache<RequestSeries, RequestHandles>()

    public init(factory: any MetricsFactory, exposition: @escaping @Sendable () async -> [UInt8]) {
        self.factory = factory
        self.exposition = exposition
    }

    /// Counting nothing, exposing nothing (tests of other things; a server without metrics).
    public static let disabled = ServerMetrics(factory: NOOPMetricsHandler.instance, exposition: { [] })

    /// One answered request: `http_requests_total` and `http_request_duration_seconds`, by the
    /// route's template (never the raw path; Hummingbird names unmatched paths `NotFound`), the
    /// method (known ones; others are `other`) and the status; a 429 also counts as a rate-limit
    /// rejection.
    func request(route: String, method: String, status: Int, duration: Duration) {
        let method = Self.methods.contains(method) ? method : "other"
        let handles = requests.get(RequestSeries(route: route, method: method, status: status)) {
            RequestHandles(
                count: counter("http_requests_total", [("route", route), ("method", method), ("status", String(status))]),
                duration: timer("http_request_duration_seconds", [("route", route), ("method", method)]))
        }
        handles.count.increment()
        handles.duration.recordNanoseconds(
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        if status == 429 { counter("sso_rate_limit_rejections_total", [("route", route)]).increment() }
    }

    /// A token response: `sso_tokens_issued_total` by `grant_type` (a registered one: only
    /// successful answers are counted, so a client cannot invent label values).
    public func tokenIssued(grantType: String) {
        counter("sso_tokens_issued_total", [("grant_type", grantType)]).increment()
    }

    public func counter(_ name: String, _ labels: [(String, String)]) -> Counter {
        counters.get(name, labels) { Counter(label: name, dimensions: labels, factory: factory) }
    }

    func timer(_ name: String, _ labels: [(String, String)]) -> CoreMetrics.Timer {
        timers.get(name, labels) { CoreMetrics.Timer(label: name, dimensions: labels, factory: factory) }
    }

    static let methods: Set = ["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"]
}

/// A route, method and status: one series of `http_requests_total`.
struct RequestSeries: Hashable, Sendable {
    let route: String
    let method: String
    let status: Int
}

struct RequestHandles: Sendable {
    let count: Counter
    let duration: CoreMetrics.Timer
}

/// Metric handles made once: a registry lookup per request is cheap, a new handle per request
/// is not. Two callers racing on a new key both make a value; the first stored is kept.
final class Cache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let values = Mutex<[Key: Value]>([:])

    func get(_ key: Key, make: () -> Value) -> Value {
        if let value = values.withLock({ $0[key] }) { return value }
        let value = make()
        return values.withLock { values in
            if let existing = values[key] { return existing }
            values[key] = value
            return value
        }
    }
}

extension Cache where Key == String {
    /// The handle of metric `name` with these labels.
    func get(_ name: String, _ labels: [(String, String)], make: () -> Value) -> Value {
        var key = name
        for (label, value) in labels { key += "\u{1}" + label + "=" + value }
        return get(key, make: make)
    }
}

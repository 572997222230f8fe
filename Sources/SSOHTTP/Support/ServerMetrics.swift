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
    private let counters = Cache<Counter>()
    private let timers = Cache<CoreMetrics.Timer>()
    private let requests = RequestHandleCache()

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
        let handles = requestHandles(RequestSeries(route: route, method: method, status: status))
        handles.count.increment()
        handles.duration.recordNanoseconds(
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        if status == 429 { counter("sso_rate_limit_rejections_total", [("route", route)]).increment() }
    }

    /// The two handles of one request series, found by a small hashable key: building the
    /// generic cache's string key and label arrays twice per request was over 1% of an
    /// introspection (perf).
    private func requestHandles(_ series: RequestSeries) -> RequestHandles {
        if let handles = requests.withLock({ $0[series] }) { return handles }
        let handles = RequestHandles(
            count: counter("http_requests_total", [
                ("route", series.route), ("method", series.method), ("status", String(series.status)),
            ]),
            duration: timer("http_request_duration_seconds", [("route", series.route), ("method", series.method)]))
        requests.withLock { $0[series] = handles }
        return handles
    }

    /// A token response: `sso_tokens_issued_total` by `grant_type` (a registered one: only
    /// successful answers are counted, so a client cannot invent label values).
    func tokenIssued(grantType: String) {
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

/// Both handles by series. The handles themselves come from the caches below, so two entries
/// here for one series (a race on first use) share them.
final class RequestHandleCache: Sendable {
    private let values = Mutex<[RequestSeries: RequestHandles]>([:])

    func withLock<T>(_ body: (inout [RequestSeries: RequestHandles]) -> T) -> T {
        values.withLock { body(&$0) }
    }
}

/// Metric handles by name and labels, made once: a scrape-friendly registry lookup per request
/// is cheap, a new handle per request is not.
final class Cache<Value: Sendable>: Sendable {
    private let values = Mutex<[String: Value]>([:])

    func get(_ name: String, _ labels: [(String, String)], make: () -> Value) -> Value {
        var key = name
        for (label, value) in labels { key += "\u{1}" + label + "=" + value }
        if let value = values.withLock({ $0[key] }) { return value }
        let value = make()
        return values.withLock { values in
            if let existing = values[key] { return existing }
            values[key] = value
            return value
        }
    }
}

import Foundation

/// Where every part of the server gets the time.
///
/// Expiry decisions (codes, tokens, sessions) must be testable without sleeping, and a
/// cluster of instances must agree on time only through their system clocks, so nothing in
/// the core calls `Date()` directly: it asks the clock it was given.
public protocol SSOClock: Sendable {
    func now() -> Date
}

/// The wall clock, used in production.
public struct SystemClock: SSOClock {
    public init() {}
    public func now() -> Date { Date() }
}

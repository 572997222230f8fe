/// The parameters of one protocol request (query string or form body), in order, as decoded.
///
/// RFC 6749 section 3.1 and 3.2: "Request and response parameters MUST NOT be included more
/// than once." Keeping every occurrence lets `value(_:)` refuse duplicates instead of silently
/// picking one, which is how parameter-pollution attacks slip through.
public struct RequestParameters: Sendable, Equatable {
    public private(set) var pairs: [(name: String, value: String)]
    /// The request had more parameters than `FormDecoding.maximumParameters`: every read is
    /// refused, so that no handler acts on a truncated request.
    public private(set) var overflowed: Bool

    public init(_ pairs: [(name: String, value: String)], overflowed: Bool = false) {
        self.pairs = pairs
        self.overflowed = overflowed
    }
    public init(_ dictionary: [String: String]) {
        self.pairs = dictionary.map { (name: $0.key, value: $0.value) }
        self.overflowed = false
    }

    /// The parameter's value; `nil` when absent or empty (RFC 6749 section 3.1: "Parameters sent
    /// without a value MUST be treated as if they were omitted").
    /// The value of `name`, or `nil` when it is absent or repeated: a form's fields, where a
    /// repeated field is answered like a missing one.
    public func field(_ name: String) -> String? { (try? value(name)) ?? nil }

    public func value(_ name: String) throws(OAuthError) -> String? {
        guard !overflowed else {
            throw .invalidRequest("The request has more than \(FormDecoding.maximumParameters) parameters.")
        }
        let values = pairs.filter { $0.name == name }.map(\.value)
        guard values.count <= 1 else { throw .invalidRequest("The '\(name)' parameter is repeated.") }
        guard let value = values.first, !value.isEmpty else { return nil }
        return value
    }

    /// Like `value(_:)`, but a missing parameter is an `invalid_request` error.
    public func required(_ name: String) throws(OAuthError) -> String {
        guard let value = try value(name) else { throw .invalidRequest("The '\(name)' parameter is missing.") }
        return value
    }

    public func contains(_ name: String) -> Bool { pairs.contains { $0.name == name } }

    public static func == (lhs: RequestParameters, rhs: RequestParameters) -> Bool {
        lhs.overflowed == rhs.overflowed && lhs.pairs.elementsEqual(rhs.pairs) { $0.name == $1.name && $0.value == $1.value }
    }
}

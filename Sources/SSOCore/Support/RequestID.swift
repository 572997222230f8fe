import Synchronization

/// The id of the request being served, for the access log, every security event logged while
/// serving it, and the `X-Request-Id` response header, so one request can be followed from the
/// proxy's log through ours.
///
/// It is a task-local value: the HTTP layer binds it around the request's handler, and anything
/// the handler calls (the audit log among them) reads it without it being passed down.
public enum RequestID {
    @TaskLocal public static var current: String?

    /// A new id: a prefix random per process (instances behind one proxy do not collide) and a
    /// counter. Not a secret, so no CSPRNG call per request.
    public static func next() -> String {
        let number = counter.add(1, ordering: .relaxed).newValue
        return prefix + "-" + String(number, radix: 16)
    }

    /// Whether an id a trusted proxy sent may be kept: 1 to 128 characters of letters, digits
    /// and `-_.:`, nothing that could break a log line or a header.
    public static func isAcceptable(_ value: String) -> Bool {
        (1...128).contains(value.utf8.count) && value.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: ":")
        }
    }

    private static let counter = Atomic<UInt64>(0)
    private static let prefix: String = {
        var generator = SystemRandomNumberGenerator()
        let value = UInt32.random(in: .min ... .max, using: &generator)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }()
}

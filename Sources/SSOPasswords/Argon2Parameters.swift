/// The cost of an Argon2 hash (RFC 9106 section 3.1): memory in KiB, passes over it, and lanes.
///
/// ``baseline`` is OWASP's baseline for Argon2id (m = 19 MiB, t = 2, p = 1): about 20 to 50 ms of
/// one core here, so a core checks a few dozen sign-ins a second, each holding 19 MiB while it runs.
public struct Argon2Parameters: Sendable, Equatable, CustomStringConvertible {
    public var memoryKiB: UInt32
    public var iterations: UInt32
    public var parallelism: UInt32

    public static let baseline = Argon2Parameters(memoryKiB: 19 * 1024, iterations: 2, parallelism: 1)

    /// The most a stored hash may ask for before it is refused unverified: a row written with
    /// parameters beyond these would let one sign-in take the memory of hundreds.
    public static let ceiling = Argon2Parameters(memoryKiB: 1024 * 1024, iterations: 64, parallelism: 16)

    public init(memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32) {
        self.memoryKiB = memoryKiB
        self.iterations = iterations
        self.parallelism = parallelism
    }

    /// Whether libargon2 accepts these (at least 8 KiB per lane, one pass, one lane) and they are
    /// within ``ceiling``.
    public var isUsable: Bool {
        parallelism >= 1 && parallelism <= Self.ceiling.parallelism && iterations >= 1
            && iterations <= Self.ceiling.iterations && memoryKiB >= 8 * parallelism && memoryKiB <= Self.ceiling.memoryKiB
    }

    /// Whether a hash made with these is weaker than one made with `current`: less memory or fewer passes.
    public func isBelow(_ current: Argon2Parameters) -> Bool {
        memoryKiB < current.memoryKiB || iterations < current.iterations
    }

    public var description: String { "m=\(memoryKiB),t=\(iterations),p=\(parallelism)" }
}

/// The parts of an Argon2 PHC string, `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`, that decide
/// how it is verified and whether it is current.
struct Argon2Encoded: Equatable {
    enum Variant: String { case argon2d, argon2i, argon2id }

    var variant: Variant
    var version: Int
    var parameters: Argon2Parameters

    /// `nil` when `encoded` is not an Argon2 PHC string of a form libargon2 reads.
    init?(_ encoded: String) {
        let fields = encoded.split(separator: "$", omittingEmptySubsequences: false)
        // "", variant, v=19, m=..,t=..,p=.., salt, hash (libargon2 writes the version; it reads a
        // string without one as version 0x10, which this parser does not accept).
        guard fields.count == 6, fields[0].isEmpty, let variant = Variant(rawValue: String(fields[1])),
            fields[2].hasPrefix("v="), let version = Int(fields[2].dropFirst(2)), !fields[4].isEmpty, !fields[5].isEmpty
        else { return nil }
        var values: [Substring: UInt32] = [:]
        for pair in fields[3].split(separator: ",", omittingEmptySubsequences: false) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, values[parts[0]] == nil, let value = UInt32(parts[1]) else { return nil }
            values[parts[0]] = value
        }
        guard values.count == 3, let m = values["m"], let t = values["t"], let p = values["p"] else { return nil }
        self.variant = variant
        self.version = version
        self.parameters = Argon2Parameters(memoryKiB: m, iterations: t, parallelism: p)
    }
}

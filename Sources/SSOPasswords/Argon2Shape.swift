/// The shape of an Argon2 PHC string, `$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>` (also
/// `argon2i`, `argon2d`, and version 1.0 strings without `v=`): checked on import, stored as given
/// and verified by the Argon2 hasher.
enum Argon2Shape {
    static let prefixes = ["$argon2id$", "$argon2i$", "$argon2d$"]
    /// Memory in KiB: up to 4 GiB. Passes: up to 1,000. Lanes: up to 255 (libargon2's own limits
    /// are wider; beyond these a sign-in would take the server down).
    static let memory = 8...4_194_304
    static let passes = 1...1000
    static let lanes = 1...255
    static let saltBytes = 8...1024
    static let hashBytes = 16...1024

    static func owns(_ hash: String) -> Bool { prefixes.contains { hash.hasPrefix($0) } }

    static func validate(_ hash: String) throws {
        func reject(_ reason: String) -> ImportedPasswordHash.Rejection {
            ImportedPasswordHash.Rejection("malformed Argon2 hash: \(reason)")
        }
        var parts = hash.split(separator: "$", omittingEmptySubsequences: false).dropFirst()
        guard parts.count == 4 || parts.count == 5 else { throw reject("expected $variant$v=19$m=,t=,p=$salt$hash") }
        parts.removeFirst()
        if parts.count == 4 {
            guard let version = parts.removeFirst().wholeValue(after: "v="), version == 16 || version == 19 else {
                throw reject("the version must be v=16 or v=19")
            }
        }
        let parameters = parts.removeFirst().split(separator: ",", omittingEmptySubsequences: false)
        guard parameters.count == 3, let m = parameters[0].wholeValue(after: "m="),
              let t = parameters[1].wholeValue(after: "t="), let p = parameters[2].wholeValue(after: "p=")
        else { throw reject("the parameters must be m=<KiB>,t=<passes>,p=<lanes>") }
        guard memory.contains(m), passes.contains(t), lanes.contains(p), m >= 8 * p else {
            throw reject("parameters out of range (m \(memory.lowerBound)...\(memory.upperBound) KiB and at least 8·p, "
                + "t \(passes.lowerBound)...\(passes.upperBound), p \(lanes.lowerBound)...\(lanes.upperBound))")
        }
        guard let salt = HashEncoding.base64.decode(parts.removeFirst()), !salt.isEmpty else {
            throw reject("the salt is not base64")
        }
        guard let digest = HashEncoding.base64.decode(parts.removeFirst()) else { throw reject("the hash is not base64") }
        guard saltBytes.contains(salt.count) else {
            throw reject("the salt has \(salt.count) bytes; \(saltBytes.lowerBound) to \(saltBytes.upperBound) are accepted")
        }
        guard hashBytes.contains(digest.count) else {
            throw reject("the hash has \(digest.count) bytes; \(hashBytes.lowerBound) to \(hashBytes.upperBound) are accepted")
        }
    }
}

extension Substring {
    /// The decimal number after `prefix`, when the whole text is `prefix` and digits.
    func wholeValue(after prefix: String) -> Int? {
        guard hasPrefix(prefix) else { return nil }
        let digits = dropFirst(prefix.count)
        guard !digits.isEmpty, digits.count <= 9, digits.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return Int(digits)
    }
}

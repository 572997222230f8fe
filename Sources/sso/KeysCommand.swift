import ArgumentParser
import Foundation
import SSOCore
import SSOServer
import SSOStorageSQLite
import SSOTokens

/// `sso keys rotate|revoke|list`: signing-key rotation and withdrawal while the server runs.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Rotate, revoke and list the signing keys.",
        subcommands: [Rotate.self, Revoke.self, List.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: """
            Add a new signing key: published in the JWKS at once, signing after --activate-after seconds. \
            The running server picks it up within --key-reload-interval seconds (2 by default); the key it \
            replaces stays published until every token it signed has expired.
            """)
        @Option(name: .customLong("alg"), help: "ES256, RS256, EdDSA or all (repeatable).")
        var algorithms: [String] = ["all"]
        @Option(name: .customLong("activate-after"),
                help: "Seconds between publication and first use, so relying parties' cached JWKS learn the key first.")
        var activateAfter = 3600
        @OptionGroup var data: DataOption

        func validate() throws {
            guard activateAfter >= 0 else { throw ValidationError("--activate-after must not be negative.") }
            _ = try chosen()
        }

        func chosen() throws -> [SigningAlgorithm] {
            if algorithms.contains(where: { $0.lowercased() == "all" }) { return SigningAlgorithm.allCases }
            return try algorithms.map { name in
                guard let algorithm = SigningAlgorithm.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() })
                else { throw ValidationError("Unknown algorithm '\(name)': use ES256, RS256, EdDSA or all.") }
                return algorithm
            }
        }

        func run() async throws {
            let directory = data.dataDirectory
            let storage = try await directory.openStorage()
            let sealer = try await directory.keySealer(
                storage: storage, environment: ProcessInfo.processInfo.environment, random: SystemSecureRandom())
            let added = try await JWTTokenSigner.rotate(
                store: storage, sealer: sealer, algorithms: try chosen(), activateAfter: TimeInterval(activateAfter),
                clock: SystemClock(), random: SystemSecureRandom())
            let format = ISO8601DateFormatter()
            for key in added {
                try await storage.appendSecurityEvent(SecurityEvent(
                    kind: .keyRotated, at: key.createdAt,
                    detail: "\(key.algorithm.rawValue) \(key.kid) activates \(format.string(from: key.activatesAt))"))
                print(try KeyLine(key, status: "pending", until: nil, format: format).encoded(pretty: false))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: """
            Withdraw a signing key at once (a leaked key): it leaves the JWKS, signs nothing, and every token \
            it signed stops verifying, on every instance within --key-reload-interval seconds. When it was the \
            key signing for its algorithm, a new key of that algorithm is added and signs at once.
            """)
        @Option(help: "The key's id, as 'sso keys list' shows it.") var kid: String
        @OptionGroup var data: DataOption

        func run() async throws {
            let directory = data.dataDirectory
            let storage = try await directory.openStorage()
            let now = Date()
            let keys = try await storage.signingKeys()
            guard let key = keys.first(where: { $0.kid == kid }) else {
                throw ValidationError("No signing key '\(kid)'; 'sso keys list' shows them.")
            }
            guard key.revokedAt == nil else { throw ValidationError("The key '\(kid)' was revoked already.") }
            let schedule = SigningKeySchedule(keys: keys, retention: 0)
            var replacement: SigningKeyRecord?
            if schedule.signingKey(key.algorithm, at: now)?.kid == kid {
                let sealer = try await directory.keySealer(
                    storage: storage, environment: ProcessInfo.processInfo.environment, random: SystemSecureRandom())
                replacement = try await JWTTokenSigner.rotate(
                    store: storage, sealer: sealer, algorithms: [key.algorithm], activateAfter: 0,
                    clock: SystemClock(), random: SystemSecureRandom()).first
            }
            guard try await storage.revokeSigningKey(kid: kid, at: now) else {
                throw ValidationError("The key '\(kid)' was revoked already.")
            }
            try await storage.appendSecurityEvent(SecurityEvent(
                kind: .keyRevoked, at: now,
                detail: "\(key.algorithm.rawValue) \(kid)" + (replacement.map { ", replaced by \($0.kid)" } ?? "")))
            let format = ISO8601DateFormatter()
            var revoked = key
            revoked.revokedAt = now
            print(try KeyLine(revoked, status: "revoked", until: nil, format: format).encoded(pretty: false))
            if let replacement {
                print(try KeyLine(replacement, status: "active", until: nil, format: format).encoded(pretty: false))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The signing keys as JSON lines, with their state.")
        @Option(name: .customLong("access-token-ttl"),
                help: "The server's --access-token-ttl, to tell when a replaced key stops being published.")
        var accessTokenTTL = 3600
        @OptionGroup var data: DataOption

        func run() async throws {
            let storage = try await data.dataDirectory.openStorage()
            let retention = await SSOServer.tokenRetention(
                storage: storage, lifetimes: Lifetimes(accessToken: accessTokenTTL))
            let schedule = SigningKeySchedule(keys: try await storage.signingKeys(), retention: retention)
            let now = Date()
            let format = ISO8601DateFormatter()
            for key in schedule.keys {
                let line: KeyLine
                switch schedule.status(of: key, at: now) {
                case .pending: line = KeyLine(key, status: "pending", until: nil, format: format)
                case .active: line = KeyLine(key, status: "active", until: nil, format: format)
                case .retiring(let until): line = KeyLine(key, status: "retiring", until: until, format: format)
                case .retired: line = KeyLine(key, status: "retired", until: nil, format: format)
                case .revoked: line = KeyLine(key, status: "revoked", until: nil, format: format)
                }
                print(try line.encoded(pretty: false))
            }
        }
    }

    struct KeyLine: PrintedJSON {
        var kid: String, alg: String, created_at: String, activates_at: String, status: String
        var published_until: String?
        var revoked_at: String?

        init(_ key: SigningKeyRecord, status: String, until: Date?, format: ISO8601DateFormatter) {
            kid = key.kid
            alg = key.algorithm.rawValue
            created_at = format.string(from: key.createdAt)
            activates_at = format.string(from: key.activatesAt)
            self.status = status
            published_until = until.map(format.string(from:))
            revoked_at = key.revokedAt.map(format.string(from:))
        }
    }
}

import ArgumentParser
import Foundation
import SSOCore
import SSOPasswords
import SSOServer
import SSOStorageSQLite

/// `sso bench seed|hash`: fixtures and measurements for `Scripts/bench`, hidden from help.
///
/// The benchmark must spend its time on the endpoint under test, not on making inputs, so
/// refresh tokens and codes are written straight into the store the way the server writes them
/// after a real sign-in (a grant, its refresh token's digest; a code bound to client, redirect
/// URI, session and PKCE challenge). Every request of the benchmark then runs the real grant.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmark fixtures (used by Scripts/bench).", shouldDisplay: false,
        subcommands: [Seed.self, Hash.self])

    struct Seed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write refresh tokens and authorization codes for a user and client; print them to files.")
        @Option(help: "The client they are issued to.") var client: String
        @Option(help: "The user they are issued for.") var login: String
        @Option(name: .customLong("refresh-tokens"), help: "How many refresh tokens.") var refreshTokens = 0
        @Option(help: "How many authorization codes.") var codes = 0
        @Option(name: .customLong("code-verifier"), help: "The PKCE verifier every code is bound to.")
        var codeVerifier: String
        @Option(help: "Folder for refresh_tokens.txt and codes.txt.") var out: String
        @OptionGroup var data: DataOption

        func validate() throws {
            guard PKCE.isWellFormed(codeVerifier) else { throw ValidationError("--code-verifier is not a PKCE verifier.") }
        }

        func run() async throws {
            let storage = try await data.dataDirectory.openStorage()
            guard let client = try await storage.client(id: client) else { throw ValidationError("No client '\(client)'.") }
            guard let user = try await storage.user(login: login) else { throw ValidationError("No user '\(login)'.") }
            guard let redirectURI = client.redirectURIs.first else { throw ValidationError("The client has no redirect URI.") }
            let random = SystemSecureRandom()
            let now = Date()
            let session = SSOSession(
                id: random.token(byteCount: 16), secretDigest: SecretDigest.sha256(random.token()), userID: user.id,
                authTime: now, methods: ["pwd"], createdAt: now, expiresAt: now.addingTimeInterval(86400),
                absoluteExpiresAt: now.addingTimeInterval(86400))
            try await storage.insert(session)
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)

            var tokens: [String] = []
            var grants: [GrantRecord] = []
            var records: [RefreshTokenRecord] = []
            for _ in 0..<refreshTokens {
                let grant = GrantRecord(
                    id: random.token(byteCount: 16), clientID: client.id, userID: user.id, sessionID: session.id,
                    scopes: client.allowedScopes, authTime: now, methods: ["pwd"], createdAt: now)
                let token = random.token()
                grants.append(grant)
                records.append(RefreshTokenRecord(
                    digest: SecretDigest.sha256(token), grantID: grant.id, clientID: client.id, userID: user.id,
                    scopes: client.allowedScopes, createdAt: now, expiresAt: now.addingTimeInterval(86400)))
                tokens.append(token)
            }
            try tokens.joined(separator: "\n").write(toFile: out + "/refresh_tokens.txt", atomically: true, encoding: .utf8)

            var codeValues: [String] = []
            var codeRecords: [AuthorizationCode] = []
            let challenge = PKCE.challenge(for: codeVerifier)
            for _ in 0..<codes {
                let code = random.token()
                codeRecords.append(AuthorizationCode(
                    digest: SecretDigest.sha256(code), clientID: client.id, redirectURI: redirectURI, redirectURIWasSent: true,
                    userID: user.id, sessionID: session.id, scopes: client.allowedScopes, nonce: nil,
                    codeChallenge: challenge, authTime: now, methods: ["pwd"], createdAt: now,
                    expiresAt: now.addingTimeInterval(3600)))
                codeValues.append(code)
            }
            try await storage.bulkInsert(grants: grants, refreshTokens: records, codes: codeRecords)
            try codeValues.joined(separator: "\n").write(toFile: out + "/codes.txt", atomically: true, encoding: .utf8)
            print("seeded \(tokens.count) refresh tokens and \(codeValues.count) codes for \(client.id) in \(out)")
        }
    }

    struct Hash: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Password verifications per second that Argon2id (or bcrypt cost 12) allows on every core of this machine.")
        @Option(help: "Seconds to measure.") var seconds = 5.0
        @Option(help: "argon2id or bcrypt.") var algorithm = "argon2id"
        @Option(help: "Argon2id memory in KiB.") var memory = Argon2Parameters.baseline.memoryKiB
        @Option(help: "Argon2id passes.") var iterations = Argon2Parameters.baseline.iterations

        func run() async throws {
            let hasher: any PasswordHasher = switch algorithm {
            case "bcrypt": BcryptPasswordHasher()
            default: PasswordHashing(
                parameters: Argon2Parameters(memoryKiB: memory, iterations: iterations, parallelism: 1),
                limits: .init(maximumWait: 3600))
            }
            let hash = try await hasher.hash("a-benchmark-password")
            let cores = ProcessInfo.processInfo.activeProcessorCount
            let start = Date()
            let deadline = start.addingTimeInterval(seconds)
            let count = await withTaskGroup(of: Int.self) { group in
                for _ in 0..<cores {
                    group.addTask {
                        var done = 0
                        while Date() < deadline {
                            _ = try? await hasher.verify("a-benchmark-password", hash: hash)
                            done += 1
                        }
                        return done
                    }
                }
                return await group.reduce(0, +)
            }
            let elapsed = Date().timeIntervalSince(start)
            print(String(format: "{\"cores\":%d,\"verifications_per_second\":%.2f,\"seconds_per_verification_per_core\":%.4f}",
                         cores, Double(count) / elapsed, elapsed * Double(cores) / Double(max(count, 1))))
        }
    }
}

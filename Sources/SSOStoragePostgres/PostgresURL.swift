import Foundation
import NIOSSL
import PostgresNIO

/// A `postgres://user:password@host:port/database?options` address, read into a client
/// configuration. Options:
/// - `sslmode`: `disable`, `prefer` (the default, as libpq: TLS when the server offers it,
///   without checking its certificate), `require` (TLS or fail, unchecked), `verify-full`
///   (TLS with the certificate checked against the system's roots and the host name);
/// - `schema`: the schema the tables live in (default `public`), created when missing, so
///   several deployments or test runs can share one database;
/// - `pool_size`: connections per instance (default 20, all but one kept open; mind
///   PostgreSQL's `max_connections` across instances).
public struct PostgresURL: Sendable {
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public var configuration: PostgresClient.Configuration
    /// The same address for one connection: the one that checks the address and migrates the
    /// schema at start-up, failing at once with the server's reason.
    public var single: PostgresConnection.Configuration
    public var schema: String?

    public init(_ text: String) throws {
        guard let components = URLComponents(string: text),
              let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme)
        else { throw Invalid(description: "Not a postgres:// address: \(Self.redacted(text)).") }
        guard let host = components.host, !host.isEmpty else {
            throw Invalid(description: "The PostgreSQL address names no host: \(Self.redacted(text)).")
        }
        guard let user = components.user, !user.isEmpty else {
            throw Invalid(description: "The PostgreSQL address names no user: \(Self.redacted(text)).")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        let options = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        for name in options.keys where !["sslmode", "schema", "pool_size"].contains(name) {
            throw Invalid(description: "Unknown PostgreSQL option \(name) (known: sslmode, schema, pool_size).")
        }

        let tls: PostgresClient.Configuration.TLS
        let singleTLS: PostgresConnection.Configuration.TLS
        switch options["sslmode"] ?? "prefer" {
        case "disable":
            (tls, singleTLS) = (.disable, .disable)
        case "prefer":
            (tls, singleTLS) = (.prefer(Self.unverified), .prefer(try NIOSSLContext(configuration: Self.unverified)))
        case "require":
            (tls, singleTLS) = (.require(Self.unverified), .require(try NIOSSLContext(configuration: Self.unverified)))
        case "verify-full":
            let verified = TLSConfiguration.makeClientConfiguration()
            (tls, singleTLS) = (.require(verified), .require(try NIOSSLContext(configuration: verified)))
        case let other:
            throw Invalid(description: "Unknown sslmode \(other) (disable, prefer, require, verify-full).")
        }

        let password = components.password?.removingPercentEncoding
        configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: password,
            database: database.isEmpty ? nil : database, tls: tls)
        single = PostgresConnection.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: password,
            database: database.isEmpty ? nil : database, tls: singleTLS)
        single.options.connectTimeout = .seconds(10)
        if let size = options["pool_size"] {
            guard let count = Int(size), (1...1000).contains(count) else {
                throw Invalid(description: "pool_size must be a number from 1 to 1000, not \(size).")
            }
            configuration.options.maximumConnections = count
        }
        // postgres-nio's pool starts a sleeping task for every keep-alive and idle timer each
        // time a connection is returned, and each holds memory until it fires: at thousands of
        // queries a second that was over 100 MB (measured). So: no keep-alive queries (a dead
        // connection fails the query that finds it and is replaced), and all connections but
        // one kept open, so none waits on an idle timer.
        configuration.options.keepAliveBehavior = nil
        configuration.options.minimumConnections = max(0, configuration.options.maximumConnections - 1)
        if let schema = options["schema"] {
            // Interpolated into DDL and search_path, so only plain identifiers are accepted.
            guard schema.range(of: "^[a-z_][a-z0-9_]{0,62}$", options: .regularExpression) != nil else {
                throw Invalid(description: "schema must be a lower-case identifier, not \(schema).")
            }
            self.schema = schema
            configuration.options.additionalStartupParameters = [("search_path", schema)]
            single.options.additionalStartupParameters = [("search_path", schema)]
        }
    }

    private static var unverified: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        return configuration
    }

    /// The address with its password replaced, for error messages and logs.
    public static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? "postgres://***"
    }
}

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
/// - `pool_size`: connections per instance (default 20, opened as needed and kept open; mind
///   PostgreSQL's `max_connections` across instances).
public struct PostgresURL: Sendable {
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// How each connection of the pool is opened.
    public var connection: PostgresConnection.Configuration
    /// Connections per instance (`pool_size`, default 20).
    public var poolSize = 20
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

        let tls: PostgresConnection.Configuration.TLS
        switch options["sslmode"] ?? "prefer" {
        case "disable":
            tls = .disable
        case "prefer":
            tls = .prefer(try NIOSSLContext(configuration: Self.unverified))
        case "require":
            tls = .require(try NIOSSLContext(configuration: Self.unverified))
        case "verify-full":
            tls = .require(try NIOSSLContext(configuration: TLSConfiguration.makeClientConfiguration()))
        case let other:
            throw Invalid(description: "Unknown sslmode \(other) (disable, prefer, require, verify-full).")
        }

        let password = components.password?.removingPercentEncoding
        connection = PostgresConnection.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: password,
            database: database.isEmpty ? nil : database, tls: tls)
        connection.options.connectTimeout = .seconds(10)
        if let size = options["pool_size"] {
            guard let count = Int(size), (1...1000).contains(count) else {
                throw Invalid(description: "pool_size must be a number from 1 to 1000, not \(size).")
            }
            poolSize = count
        }
        if let schema = options["schema"] {
            // Interpolated into DDL and search_path, so only plain identifiers are accepted.
            guard schema.range(of: "^[a-z_][a-z0-9_]{0,62}$", options: .regularExpression) != nil else {
                throw Invalid(description: "schema must be a lower-case identifier, not \(schema).")
            }
            self.schema = schema
            connection.options.additionalStartupParameters = [("search_path", schema)]
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

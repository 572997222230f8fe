// swift-tools-version:6.2
import PackageDescription

/// Settings every UnifiedSSO target shares: Swift 6 language mode with strict concurrency,
/// explicit `any`, and imports that do not leak to dependants.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// How the release `sso` binary is linked (debug builds and the tests are linked as usual).
/// lld packs the relative relocations of the position-independent binary (RELR: 30 KB where
/// gold wrote 3.7 MB, all of it read at every start), no symbol is exported for a dynamic loader
/// that never asks for one, and the functions that start-up and requests run are laid out side
/// by side in the order of `Scripts/symbol-order.txt` (a page fault maps 64 KiB and more of
/// the binary around the page touched, so scattered code keeps far more of it resident than
/// runs). `Scripts/build-release` adds the compiler's part (`--static-swift-stdlib`, one section
/// per function); `Scripts/symbol-order` rewrites the order file. Idle memory: 52 → 32 MiB.
let releaseLinking: [LinkerSetting] = [
    .unsafeFlags([
        "-use-ld=lld",
        "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
        "-Xlinker", "--no-export-dynamic",
        "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/Scripts/symbol-order.txt",
        "-Xlinker", "--no-warn-symbol-ordering",
    ], .when(platforms: [.linux], configuration: .release)),
]

let package = Package(
    name: "unified-sso",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sso", targets: ["sso"]),
        .library(name: "SSOCore", targets: ["SSOCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "4.1.0"..<"6.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        // Hummingbird's own header types, named directly for the few headers it has no constant for.
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // Hummingbird's own service runner: the background purge is one of its services; the
        // tests use it to run upstream providers on fixed loopback ports.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // The shared store for several instances.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        // Already in the graph through postgres-nio and async-http-client; named for the
        // TLS settings of a PostgreSQL connection.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        // Metrics recorded through swift-metrics' API, exposed in
        // Prometheus' text format at /metrics.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Configuration files in YAML; JSON is read by Foundation.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        // WebAuthn's packed attestation: the x5c certificate chain, its leaf's requirements and
        // path validation to the trust roots. swift-asn1 is its DER layer, named for the
        // certificate parser and object identifiers (both already in the graph).
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.0"),
    ],
    targets: [
        // The domain and its extension points. No HTTP framework, no database.
        .target(
            name: "SSOCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // The framework-free endpoint model: plain request and response values, routes, pages,
        // and the one place an error becomes an answer. Every endpoint module is written on it.
        .target(name: "SSOEndpointModel", dependencies: ["SSOCore"], swiftSettings: swiftSettings),
        // The server's own endpoints (authorize, login, consent, token, introspection,
        // revocation, userinfo, profile, logout, discovery) as modules of the endpoint model.
        .target(name: "SSOProtocolEndpoints", dependencies: ["SSOCore", "SSOEndpointModel"], swiftSettings: swiftSettings),
        // Grant types: one target each, depending on the core only (and a grant that serves
        // endpoints of its own on the endpoint model).
        .target(name: "SSOGrantAuthorizationCode", dependencies: ["SSOCore"], swiftSettings: swiftSettings),
        .target(name: "SSOGrantRefreshToken", dependencies: ["SSOCore"], swiftSettings: swiftSettings),
        .target(name: "SSOGrantClientCredentials", dependencies: ["SSOCore"], swiftSettings: swiftSettings),
        .target(name: "SSOGrantDeviceCode", dependencies: ["SSOCore", "SSOEndpointModel"], swiftSettings: swiftSettings),
        // new-grant: grant targets (`swift package new-grant` adds a module's target above this line)
        // The broker's old login endpoints as an adapter module, depending on the core only.
        .target(name: "SSOLegacyAlor", dependencies: ["SSOCore", "SSOEndpointModel"], swiftSettings: swiftSettings),
        // Sign-in through upstream OAuth 2.0 / OpenID Connect providers and the federation API.
        .target(
            name: "SSOFederation",
            dependencies: [
                "SSOCore", "SSOEndpointModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        // Implementations behind the core's seams.
        // How each record is read from its row, for both stores (RowCodec over StoredRow).
        .target(name: "SSOStorageRows", dependencies: ["SSOCore"], swiftSettings: swiftSettings),
        .target(
            name: "SSOStorageSQLite",
            dependencies: [
                "SSOCore", "SSOStorageRows", .product(name: "GRDB", package: "GRDB.swift"),
                // GRDB's own SQLite module: the hot point reads step its statements directly (ColumnRow).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // The same stores on PostgreSQL, for several instances behind a load balancer.
        .target(
            name: "SSOStoragePostgres",
            dependencies: [
                "SSOCore", "SSOStorageRows",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The system's OpenSSL libcrypto: RS256 signatures (SSOTokens' LibcryptoRSAKey), 2.4 times as
        // fast as swift-crypto's BoringSSL here. BoringSSL's symbols are prefixed, so both link.
        .systemLibrary(name: "COpenSSLCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(
            name: "SSOTokens",
            dependencies: [
                "SSOCore", "COpenSSLCrypto",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The system's libargon2 (Debian's libargon2-dev): Argon2id for new password hashes.
        .systemLibrary(name: "CArgon2", pkgConfig: "libargon2", providers: [.apt(["libargon2-dev"])]),
        // libsodium's Argon2: the vectorised implementation, for Argon2id and Argon2i with one lane.
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        // Keeps each password-hash thread's Argon2 memory between its hashes (see its header).
        .target(name: "CHashMemory"),
        .target(
            name: "SSOPasswords",
            dependencies: [
                "SSOCore", "CArgon2", "CSodium", "CHashMemory", .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                // PBKDF2 and SHA-2 for imported password hashes.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SSOTOTP",
            dependencies: ["SSOCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // WebAuthn Level 3 registration and assertion verification: pure values, no HTTP or storage.
        .target(
            name: "SSOWebAuthn",
            dependencies: [
                "SSOCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        // QR codes for TOTP enrolment, from the system's libqrencode.
        .systemLibrary(name: "CQRencode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        // The user's own account page: sessions, applications, password, second factor, linked accounts.
        .target(
            name: "SSOAccount", dependencies: ["SSOCore", "SSOEndpointModel", "CQRencode"], swiftSettings: swiftSettings),
        // Passkeys: registration, the passkeys page and sign-in with a passkey, over SSOWebAuthn.
        .target(
            name: "SSOPasskeys", dependencies: ["SSOCore", "SSOEndpointModel", "SSOWebAuthn"], swiftSettings: swiftSettings),
        .target(
            name: "SSOHTTP",
            dependencies: [
                "SSOCore", "SSOEndpointModel",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // The composition root as a library, so end-to-end tests start the very same server.
        .target(
            name: "SSOServer",
            dependencies: [
                "SSOCore", "SSOEndpointModel", "SSOProtocolEndpoints", "SSOHTTP", "SSOStorageSQLite", "SSOStoragePostgres", "SSOTokens", "SSOPasswords", "SSOTOTP", "SSOLegacyAlor", "SSOFederation", "SSOPasskeys", "SSOAccount",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                "SSOGrantAuthorizationCode", "SSOGrantRefreshToken", "SSOGrantClientCredentials",
                "SSOGrantDeviceCode",
                // new-grant: server dependencies
                .product(name: "Hummingbird", package: "hummingbird"),
                // Its HTTP/1 channel, wrapped with the connection limits (Sources/SSOServer/Connections).
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "sso",
            dependencies: [
                "SSOServer", "SSOCore", "SSOPasswords", "SSOStorageSQLite", "SSOTOTP", "SSOFederation", "SSOTokens",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                // `serve` runs the application SSOServer builds as Hummingbird's service.
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: releaseLinking
        ),
        // Test doubles (a hand-moved clock, an in-memory event recorder): for tests only.
        .target(name: "SSOTesting", dependencies: ["SSOCore"], swiftSettings: swiftSettings),
        // The real server on an ephemeral port with a fresh SQLite file, and a browser to drive
        // it: for end-to-end tests, including those `new-grant` generates for a grant module.
        .target(
            name: "SSOServerTesting",
            dependencies: [
                "SSOServer", "SSOCore", "SSOStorageSQLite", "SSOTesting", "SSOPasswords", "SSOTOTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SSOCoreTests", dependencies: ["SSOCore", "SSOTesting", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "SSOGrantTests",
            dependencies: [
                "SSOGrantAuthorizationCode", "SSOGrantRefreshToken", "SSOGrantClientCredentials", "SSOCore", "SSOTesting",
                "SSOStorageSQLite",
                "SSOTokens",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "SSOAccountTests", dependencies: ["SSOAccount"], swiftSettings: swiftSettings),
        .testTarget(name: "SSOPasswordsTests", dependencies: ["SSOPasswords", "SSOCore", "CArgon2", "CHashMemory"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SSOTOTPTests",
            dependencies: [
                "SSOTOTP", "SSOCore", "SSOTesting", "SSOStorageSQLite",
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SSOWebAuthnTests",
            dependencies: [
                "SSOWebAuthn", "SSOCore", "SSOTesting",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        // One store suite, run against SQLite and (where SSO_TEST_POSTGRES_URL names one) PostgreSQL.
        .testTarget(
            name: "SSOStorageTests",
            dependencies: [
                "SSOStorageSQLite", "SSOStoragePostgres", "SSOCore", "SSOTesting",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SSOTokensTests",
            dependencies: [
                "SSOTokens", "SSOCore", "SSOTesting", "SSOStorageSQLite", .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SSOEndToEndTests",
            dependencies: [
                "SSOServer", "SSOServerTesting", "SSOCore", "SSOStorageSQLite", "SSOTesting", "SSOHTTP", "SSOPasswords",
                "SSOPasskeys", "SSOWebAuthn",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The core's browser flows and the endpoint model's answers, without HTTP.
        .testTarget(
            name: "SSOFlowTests",
            dependencies: [
                "SSOCore", "SSOEndpointModel", "SSOTesting", "SSOStorageSQLite", "SSOTokens", "SSOPasswords", "SSOTOTP",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SSOGrantDeviceCodeTests",
            dependencies: [
                "SSOGrantDeviceCode", "SSOEndpointModel", "SSOServerTesting", "SSOCore", "SSOTesting", "SSOStorageSQLite",
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        // new-grant: test targets
        // `swift package --allow-writing-to-package-directory new-grant <grant_type>`: a grant
        // module, its test target and its registration, from the templates in Plugins/NewGrant.
        .plugin(
            name: "NewGrant",
            capability: .command(
                intent: .custom(verb: "new-grant", description: "Create a grant module, its test target and its registration."),
                permissions: [.writeToPackageDirectory(
                    reason: "It adds Sources/SSOGrant<Name>, Tests/SSOGrant<Name>Tests and edits Package.swift and GrantModules.swift.")]
            )
        ),
    ]
)

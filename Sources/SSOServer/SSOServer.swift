import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import AsyncHTTPClient
import SSOCore
import SSOEndpointModel
import SSOProtocolEndpoints
import SSOFederation
import SSOHTTP
import SSOLegacyAlor
import SSOPasskeys
import SSOAccount
import SSOPasswords
import SSOStorageSQLite
import SSOTOTP
import SSOTokens
import CoreMetrics
import Prometheus
import ServiceLifecycle

/// The composition root: builds every service from the chosen modules and wires them into one
/// Hummingbird application. The `sso` executable and the end-to-end tests both start the
/// server through here, so what is tested is what runs.
public enum SSOServer {
    /// The application `options` describe. `environment` is read for `SSO_MASTER_KEY` alone.
    public static func makeApplication(
        _ options: ServerOptions, clock: any SSOClock = SystemClock(), random: any SecureRandom = SystemSecureRandom(),
        environment: [String: String] = ProcessInfo.processInfo.environment,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        var configuredLogger = Logger(label: "sso")
        configuredLogger.logLevel = options.logLevel
        let logger = configuredLogger

        let data = DataDirectory(options.dataDirectory, database: options.database)
        let storage = try await data.openStorage()
        let sealer = try await data.keySealer(storage: storage, environment: environment, random: random)
        let signer = try await JWTTokenSigner.load(
            store: storage, sealer: sealer, issuer: options.issuer, clock: clock, random: random,
            retention: { await SSOServer.tokenRetention(storage: storage, lifetimes: options.lifetimes) },
            checkInterval: TimeInterval(options.keyReloadInterval))
        let connections = options.connections
        let table = ConnectionTable(
            maximum: connections.maximumConnections, maximumPerAddress: connections.maximumConnectionsPerAddress)
        let metrics = makeMetrics(storage: storage, connections: table)
        let events = AuditLog(storage: storage, logger: logger, metrics: metrics)
        guard options.passwordHash.isUsable else {
            throw InvalidPasswordHashSettings(parameters: options.passwordHash)
        }
        let hasher = PasswordHashing(parameters: options.passwordHash, limits: options.passwordCheckLimits, random: random,
                                     importedVerifier: ImportedPasswordHash.verify)
        let lifetimes = options.lifetimes

        if options.demo {
            try await DemoSetup.ensure(storage: storage, issuer: options.issuer, hasher: hasher, clock: clock, logger: logger)
        }

        let issuer = DefaultTokenIssuer(
            issuer: options.issuer, signer: signer, refreshTokens: storage, references: storage, users: storage,
            events: events, clock: clock, random: random, lifetimes: lifetimes, refreshGrantType: GrantModules.refreshGrantType,
            levels: options.assuranceLevels)
        let throttle = Throttle(store: storage, clock: clock, limits: options.limits)
        let secondFactor = SecondFactorService(users: storage, sealer: sealer, algorithm: RFC6238TOTP(), clock: clock,
                                               random: random)
        let login = LoginService(
            users: storage, sessions: storage, hasher: hasher, secondFactor: secondFactor, throttle: throttle, events: events, clock: clock, random: random, lifetimes: lifetimes)
        let flow = AuthorizationFlow(
            issuer: options.issuer, interactions: storage, codes: storage, consents: storage,
            events: events, clock: clock, random: random, lifetimes: lifetimes, levels: options.assuranceLevels,
            users: storage, passkeys: storage)
        let authenticator = ClientAuthenticator(clients: storage, events: events, clock: clock, throttle: throttle)

        let context = GrantContext(
            codes: storage, refreshTokens: storage, grants: storage, clients: storage, users: storage, devices: storage,
            events: events, clock: clock, random: random, lifetimes: lifetimes,
            endpoints: EndpointServices(issuer: options.issuer, authenticator: authenticator, login: login, flow: flow,
                                        throttle: throttle, scopes: storage))
        let grantModules = GrantModules.all(context)
        let registry = try GrantRegistry(grantModules)
        let tokenEndpoint = TokenEndpoint(authenticator: authenticator, registry: registry, issuer: issuer)

        // Endpoint modules: each is switched on here, like the grant modules above, which may
        // bring endpoints of their own (the device grant's verification page). The server's own
        // are added to the front below: the router tries paths in the order they come.
        var modules: [any EndpointModule] = grantModules.compactMap { ($0 as? any GrantEndpoints)?.endpoints }
        if options.legacy {
            modules.append(LegacyAlorModule(
                configuration: LegacyConfiguration(clientID: options.legacyClientID, issuer: options.issuer),
                clients: storage, users: storage, interactions: storage, grants: storage,
                login: login, flow: flow, tokenEndpoint: tokenEndpoint, issuer: issuer, throttle: throttle, clock: clock,
                random: random))
        }

        modules.append(FederationModule(
            service: FederationService(
                providers: storage, identities: storage, users: storage, sealer: sealer, clock: clock, random: random,
                httpClient: HTTPClient.shared, timeoutSeconds: options.upstreamTimeout, issuer: options.issuer),
            providers: storage, states: storage, clients: storage, interactions: storage, grants: storage,
            consents: storage, authenticator: authenticator, login: login,
            flow: flow, issuer: issuer, throttle: throttle, events: events, clock: clock, random: random))

        let binding = InteractionBinding(interactions: storage, clients: storage, login: login, clock: clock)
        modules.append(PasskeyEndpoints(
            service: PasskeyService(store: storage, users: storage, events: events, clock: clock, random: random,
                                    settings: PasskeySettings(issuer: options.issuer)),
            login: login, binding: binding, flow: flow, clients: storage, users: storage, throttle: throttle))

        // The account page signs in as its own built-in client, kept in the store like any other.
        try await ensureAccountClient(storage: storage, issuer: options.issuer, clock: clock)
        modules.append(AccountEndpoints(
            issuer: options.issuer,
            service: AccountService(
                users: storage, sessions: storage, grants: storage, consents: storage, clients: storage, identities: storage,
                passkeys: storage, login: login, hasher: hasher, secondFactor: secondFactor, events: events, clock: clock,
                lifetimes: lifetimes),
            login: login, flow: flow, clients: storage, users: storage, random: random, providers: storage))

        let validator = AccessTokenValidator(
            issuer: options.issuer, signer: signer, references: storage, grants: storage, clock: clock,
            levels: options.assuranceLevels)
        let userInfo = UserInfoService(validator: validator, users: storage)
        let introspection = TokenIntrospection(
            issuer: options.issuer, validator: validator, refreshTokens: storage,
            grants: storage, users: storage, events: events, clock: clock)
        // The server's own endpoints come first; where a path is shared, the route that says which
        // requests it takes is tried first (the legacy module's `GET /login?url=` before the login page).
        let protocolServices = ProtocolServices(
            issuer: options.issuer, clients: storage, users: storage, interactions: storage,
            validator: AuthorizationRequestValidator(clients: storage, scopes: storage), flow: flow,
            binding: binding, login: login,
            logout: LogoutFlow(clients: storage, sessions: storage, signer: signer, login: login, events: events, clock: clock),
            tokenEndpoint: tokenEndpoint, userInfo: userInfo, introspection: introspection, authenticator: authenticator,
            signer: signer, providers: storage, scopes: storage, passkeys: storage,
            tokenIssued: { [metrics] grantType in metrics.tokenIssued(grantType: grantType) })
        let metadata = modules.reduce(into: [String: String]()) { all, module in
            all.merge(module.metadata) { first, _ in first }
        }
        modules = protocolServices.modules(metadata: metadata) + modules
        let services = SSOServices(
            modules: modules, scopes: storage, random: random,
            readiness: Readiness([
                // A read every store answers from its database: the clients table.
                ("database", { _ = try await storage.longestAccessTokenTTL() }),
                // Access tokens are ES256: without a loaded ES256 key nothing can be issued.
                ("signing_keys", { [signer] in
                    guard await signer.jwks().keys.contains(where: { $0.alg == "ES256" }) else {
                        throw NotReady("no ES256 signing key is loaded")
                    }
                }),
            ]),
            metrics: metrics)

        let routes = try await SSORoutes(
            services: services,
            configuration: HTTPConfiguration(
                issuer: options.issuer, resourcesDirectory: options.resourcesDirectory, demo: options.demo,
                sessionCookieMaxAge: lifetimes.sessionAbsolute, trustedProxies: options.trustedProxies,
                metricsToken: options.metricsToken),
            logger: logger)
        // HEAD is answered wherever GET is (RFC 9110 section 9.1: general-purpose servers support both).
        let router = Router(context: SSORequestContext.self, options: .autoGenerateHeadEndpoints)
        routes.register(on: router)
        let issuerForLog = options.issuer
        let housekeeping = Housekeeping(
            store: storage, clock: clock, interval: .milliseconds(Int(options.purgeInterval * 1000)),
            tokenRetention: { await SSOServer.tokenRetention(storage: storage, lifetimes: options.lifetimes) },
            auditRetention: options.auditRetentionDays * 86400, logger: logger)
        let backchannelLogout = BackchannelLogoutService(
            deliveries: storage, clients: storage, signer: signer, issuer: options.issuer, events: events, clock: clock,
            random: random, interval: .milliseconds(Int(options.logoutDeliveryInterval * 1000)), logger: logger)
        if let problem = connections.descriptorProblem(openFileLimit: ConnectionLimits.openFileLimit()) {
            logger.warning("Connection cap above the open-file limit", metadata: ["problem": "\(problem)"])
        }
        return Application(
            router: router,
            server: HTTPServerBuilder { responder in
                LimitedHTTP1Channel(responder: responder, limits: connections, table: table, metrics: metrics)
            },
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: nil),
            services: [events, housekeeping, backchannelLogout],
            onServerRunning: { channel in
                // On the listening channel: accepting pauses, not spins, when descriptors run out.
                try? await channel.eventLoop.submit {
                    try channel.pipeline.syncOperations.addHandler(
                        AcceptPause(logger: logger) { metrics.counter("sso_accept_pauses_total", []).increment() },
                        position: .first)
                }.get()
                let port = channel.localAddress?.port ?? options.port
                logger.notice("UnifiedSSO listening", metadata: ["address": "\(options.host):\(port)", "issuer": "\(issuerForLog)"])
                await onServerRunning(port)
            },
            logger: logger
        )
    }

    /// A Prometheus registry of this server's own (not the process-wide swift-metrics
    /// bootstrap: the tests run several servers in one process). The gauges of the database and
    /// of open connections are read when scraped.
    static func makeMetrics(storage: any SSOStore, connections: ConnectionTable) -> ServerMetrics {
        let registry = PrometheusCollectorRegistry()
        let maximum = registry.makeGauge(name: "sso_db_connections_max", help: "Database connections the store may use")
        let inUse = registry.makeGauge(name: "sso_db_connections_in_use", help: "Database connections busy now")
        let open = registry.makeGauge(name: "sso_connections_open", help: "HTTP connections open now")
        return ServerMetrics(factory: PrometheusMetricsFactory(registry: registry), exposition: {
            let usage = storage.connectionUsage()
            maximum.set(Double(usage.maximum))
            inUse.set(Double(usage.inUse))
            open.set(Double(connections.open))
            return registry.emitToBuffer()
        })
    }

    /// How long a token signed now may live: the default access-token lifetime or the longest
    /// a client registered (ID tokens live as long as access tokens). A replaced signing key
    /// stays published this long.
    /// The account page's client, written when missing or when the issuer (and so its address)
    /// changed; an operator's edits to anything else are overwritten the same way, since the
    /// page depends on exactly this record.
    static func ensureAccountClient(storage: any SSOStore, issuer: String, clock: any SSOClock) async throws {
        let wanted = AccountEndpoints.client(issuer: issuer, at: clock.now())
        if var stored = try await storage.client(id: wanted.id) {
            stored.createdAt = wanted.createdAt
            guard stored != wanted else { return }
        }
        try await storage.save(wanted)
    }

    public static func tokenRetention(storage: any SSOStore, lifetimes: Lifetimes) async -> TimeInterval {
        TimeInterval(max(lifetimes.accessToken, (try? await storage.longestAccessTokenTTL()) ?? 0))
    }

    /// Finds `Resources/` when none was named: beside the working directory, or above the
    /// executable (a `swift build` tree keeps it at the package root).
    public static func locateResources(
        executablePath: String = CommandLine.arguments[0],
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) -> String? {
        var candidates = [workingDirectory + "/Resources"]
        var directory = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(directory.appendingPathComponent("Resources").path)
            directory = directory.deletingLastPathComponent()
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/templates/login.mustache") }
    }
}

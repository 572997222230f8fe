import ArgumentParser
import Foundation
import SSOCore
import SSOServer
import SSOStorageSQLite

/// `sso client ...`: registers and inspects clients.
struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client", abstract: "Manage OAuth clients.", subcommands: [Add.self, Update.self, RotateSecret.self, List.self, Show.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a client; prints it as JSON, with a generated secret shown once.")

        @Option(help: "Client identifier.") var id: String
        @Option(help: "Client secret (default: generated, 256 bits).") var secret: String?
        @Flag(help: "A public client (no secret; authenticates with PKCE only).") var `public` = false
        @OptionGroup var policy: ClientPolicyOptions
        @OptionGroup var data: DataOption

        func validate() throws {
            guard !id.isEmpty, id.utf8.count <= 128, id.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
                throw ValidationError("--id must be 1 to 128 printable ASCII characters without spaces.")
            }
            guard !policy.redirectURIs.isEmpty || !policy.effectiveGrantTypes.contains("authorization_code") else {
                throw ValidationError("Give at least one --redirect-uri (or --grant-types without authorization_code).")
            }
            if `public` || policy.tokenEndpointAuth == "none", secret != nil {
                throw ValidationError("A public client (--public or --token-endpoint-auth none) has no --secret.")
            }
            if `public` || policy.tokenEndpointAuth == "none", policy.effectiveGrantTypes.contains("client_credentials") {
                throw ValidationError("client_credentials is for confidential clients; a --public client has no credentials.")
            }
            if `public`, let method = policy.tokenEndpointAuth, method != "none" {
                throw ValidationError("A --public client authenticates with 'none'.")
            }
            try policy.check()
        }

        func run() async throws {
            let storage = try await data.dataDirectory.openStorage()
            if try await storage.client(id: id) != nil {
                throw ValidationError("A client with id '\(id)' exists already.")
            }
            let isPublic = `public` || policy.tokenEndpointAuth == "none"
            let generated = isPublic || secret != nil ? nil : SystemSecureRandom().token()
            let plainSecret = secret ?? generated
            if let secret, secret.utf8.count < 32 {
                FileHandle.standardError.write(Data("warning: a client secret under 32 characters is weak; prefer a generated one.\n".utf8))
            }
            var client = Client(
                id: id, name: id, secretDigest: plainSecret.map(SecretDigest.sha256), redirectURIs: [],
                grantTypes: GrantModules.defaultClientGrantTypes, authMethod: isPublic ? .none : .clientSecretBasic, createdAt: Date())
            policy.apply(to: &client)
            try await policy.checkScopesKnown(client, storage: storage)
            try await storage.save(client)
            try await storage.appendSecurityEvent(SecurityEvent(kind: .clientAdded, at: Date(), clientID: client.id, detail: "sso client"))
            print(try ClientJSON(client, secret: generated).encoded())
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a client's policy; only the options given change (a repeated option replaces the list).")
        @Option(help: "Client identifier.") var id: String
        @OptionGroup var policy: ClientPolicyOptions
        @OptionGroup var data: DataOption

        func validate() throws { try policy.check() }

        func run() async throws {
            let storage = try await data.dataDirectory.openStorage()
            guard var client = try await storage.client(id: id) else { throw ValidationError("No client with id '\(id)'.") }
            if client.isPublic, let method = policy.tokenEndpointAuth, method != "none" {
                throw ValidationError("'\(id)' is public; it has no secret to authenticate with \(method).")
            }
            if !client.isPublic, policy.tokenEndpointAuth == "none" {
                throw ValidationError("'\(id)' is confidential; it cannot switch to 'none'.")
            }
            policy.apply(to: &client)
            try await policy.checkScopesKnown(client, storage: storage)
            try await storage.save(client)
            try await storage.appendSecurityEvent(SecurityEvent(kind: .clientUpdated, at: Date(), clientID: client.id, detail: "sso client"))
            print(try ClientJSON(client, secret: nil).encoded())
        }
    }

    struct RotateSecret: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-secret", abstract: "Give a confidential client a new generated secret, shown once; the old one stops working.")
        @Option(help: "Client identifier.") var id: String
        @OptionGroup var data: DataOption

        func run() async throws {
            let storage = try await data.dataDirectory.openStorage()
            guard var client = try await storage.client(id: id) else { throw ValidationError("No client with id '\(id)'.") }
            guard !client.isPublic else { throw ValidationError("'\(id)' is a public client; it has no secret.") }
            let secret = SystemSecureRandom().token()
            client.secretDigest = SecretDigest.sha256(secret)
            try await storage.save(client)
            try await storage.appendSecurityEvent(SecurityEvent(kind: .clientSecretRotated, at: Date(), clientID: client.id, detail: "sso client"))
            print(try ClientJSON(client, secret: secret).encoded())
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List clients as JSON lines.")
        @OptionGroup var data: DataOption
        func run() async throws {
            for client in try await data.dataDirectory.openStorage().clients() {
                print(try ClientJSON(client, secret: nil).encoded(pretty: false))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one client as JSON.")
        @Option(help: "Client identifier.") var id: String
        @OptionGroup var data: DataOption
        func run() async throws {
            guard let client = try await data.dataDirectory.openStorage().client(id: id) else {
                throw ValidationError("No client with id '\(id)'.")
            }
            print(try ClientJSON(client, secret: nil).encoded())
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a client.")
        @Option(help: "Client identifier.") var id: String
        @OptionGroup var data: DataOption
        func run() async throws {
            let storage = try await data.dataDirectory.openStorage()
            guard try await storage.removeClient(id: id) else { throw ValidationError("No client with id '\(id)'.") }
            try await storage.appendSecurityEvent(SecurityEvent(kind: .clientRemoved, at: Date(), clientID: id, detail: "sso client"))
            print("removed \(id)")
        }
    }
}

/// A client as the command line prints it: RFC 7591 field names.
struct ClientJSON: PrintedJSON {
    var client_id: String
    var client_secret: String?
    var client_name: String
    var redirect_uris: [String]
    var scope: String
    var grant_types: [String]
    var token_endpoint_auth_method: String
    var skip_consent: Bool
    var pkce_required: Bool
    var id_token_signed_response_alg: String
    var access_token_ttl: Int?
    var access_token_format: String
    var sliding_max: Int?
    var refresh_token_ttl: Int?
    var post_logout_redirect_uris: [String]
    var backchannel_logout_uri: String?
    var audience: String?
    var resource_server: String?
    var federation_api: Bool
    var default_acr: String?
    var minimum_acr: String?

    init(_ client: Client, secret: String?) {
        client_id = client.id
        client_secret = secret
        client_name = client.name
        redirect_uris = client.redirectURIs
        scope = client.allowedScopes.description
        grant_types = client.grantTypes
        token_endpoint_auth_method = client.authMethod.rawValue
        skip_consent = client.skipConsent
        pkce_required = client.pkceRequired
        id_token_signed_response_alg = client.idTokenSigningAlgorithm.rawValue
        access_token_ttl = client.accessTokenTTL
        access_token_format = client.accessTokenFormat.rawValue
        sliding_max = client.slidingMaxTTL
        refresh_token_ttl = client.refreshTokenTTL
        post_logout_redirect_uris = client.postLogoutRedirectURIs
        backchannel_logout_uri = client.backchannelLogoutURI
        audience = client.audience
        resource_server = client.resourceAudience
        federation_api = client.federationAPI
        default_acr = client.defaultACR
        minimum_acr = client.minimumACR
    }

}

/// What the commands print: JSON, pretty for one record, one line each for lists.
protocol PrintedJSON: Encodable {}

extension PrintedJSON {
    func encoded(pretty: Bool = true) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

import ArgumentParser
import Foundation
import SSOCore
import SSOServer
import SSOStorageSQLite

/// `sso client ...`: registers and inspects clients.
struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client", abstract: "Manage OAuth clients.", subcommands: [Add.self, List.self, Show.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a client; prints it as JSON, with a generated secret shown once.")

        @Option(help: "Client identifier.") var id: String
        @Option(name: .customLong("redirect-uri"), help: "A redirect URI, compared exactly (repeatable).")
        var redirectURIs: [String] = []
        @Option(help: "Allowed scopes, space-separated (default \"openid profile email\").") var scope: String?
        @Option(help: "Client secret (default: generated, 256 bits).") var secret: String?
        @Flag(help: "A public client (no secret; authenticates with PKCE only).") var `public` = false
        @Flag(name: .customLong("skip-consent"), help: "Do not ask users for consent (first-party sites).")
        var skipConsent = false
        @Option(help: "Display name shown on the login and consent pages.") var name: String?
        @Option(name: .customLong("grant-types"), parsing: .singleValue,
                help: "Allowed grant types (comma-separated or repeated; default authorization_code,refresh_token).")
        var grantTypes: [String] = []
        @Option(help: "PKCE: required (default) or optional (for legacy partners; a sent challenge is still enforced).")
        var pkce: String = "required"
        @OptionGroup var data: DataOption

        func validate() throws {
            guard !id.isEmpty, id.utf8.count <= 128, id.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
                throw ValidationError("--id must be 1 to 128 printable ASCII characters without spaces.")
            }
            guard !redirectURIs.isEmpty else { throw ValidationError("Give at least one --redirect-uri.") }
            for uri in redirectURIs {
                guard let url = URL(string: uri), let scheme = url.scheme, !scheme.isEmpty, url.fragment == nil,
                    !uri.contains("#")
                else { throw ValidationError("'\(uri)' is not an absolute URI without a fragment.") }
            }
            if let scope, ScopeSet(parsing: scope) == nil { throw ValidationError("--scope has characters RFC 6749 forbids.") }
            if `public`, secret != nil { throw ValidationError("A --public client has no --secret.") }
            guard ["required", "optional"].contains(pkce) else { throw ValidationError("--pkce is required or optional.") }
            let known: Set = ["authorization_code", "refresh_token"]
            for type in parsedGrantTypes where !known.contains(type) {
                throw ValidationError("Unknown grant type '\(type)'; this server offers \(known.sorted().joined(separator: ", ")).")
            }
        }

        var parsedGrantTypes: [String] {
            let list = grantTypes.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            return list.isEmpty ? ["authorization_code", "refresh_token"] : list
        }

        func run() async throws {
            let storage = try DataDirectory(data.directory).openStorage()
            if try await storage.client(id: id) != nil {
                throw ValidationError("A client with id '\(id)' exists already.")
            }
            let generated = `public` || secret != nil ? nil : SystemSecureRandom().token()
            let plainSecret = secret ?? generated
            if let secret, secret.utf8.count < 32 {
                FileHandle.standardError.write(Data("warning: a client secret under 32 characters is weak; prefer a generated one.\n".utf8))
            }
            let client = Client(
                id: id, name: name ?? id, secretDigest: plainSecret.map(SecretDigest.sha256),
                redirectURIs: redirectURIs,
                allowedScopes: scope.flatMap(ScopeSet.init(parsing:)) ?? StandardScope.defaultForClients,
                grantTypes: parsedGrantTypes, authMethod: `public` ? .none : .clientSecretBasic,
                skipConsent: skipConsent, pkceRequired: pkce == "required", createdAt: Date())
            try await storage.save(client)
            print(try ClientJSON(client, secret: generated).encoded())
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List clients as JSON lines.")
        @OptionGroup var data: DataOption
        func run() async throws {
            for client in try await DataDirectory(data.directory).openStorage().clients() {
                print(try ClientJSON(client, secret: nil).encoded(pretty: false))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one client as JSON.")
        @Option(help: "Client identifier.") var id: String
        @OptionGroup var data: DataOption
        func run() async throws {
            guard let client = try await DataDirectory(data.directory).openStorage().client(id: id) else {
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
            guard try await DataDirectory(data.directory).openStorage().removeClient(id: id) else {
                throw ValidationError("No client with id '\(id)'.")
            }
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

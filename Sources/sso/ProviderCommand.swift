import ArgumentParser
import Foundation
import SSOCore
import SSOFederation
import SSOServer
import SSOStorageSQLite

/// `sso provider ...`: upstream identity providers. Changes take effect in a running server at once.
struct ProviderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provider", abstract: "Manage upstream sign-in providers (Yandex, Google, Mail.ru, VK ID, OpenID Connect).",
        subcommands: [Add.self, Import.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add or replace a provider. Presets yandex, google, mail and vk need only --client-id and --client-secret.")

        @Option(help: "Name (also the callback path: ISSUER/federation/NAME/callback).") var name: String
        @Option(help: "yandex, google, mail, vk, or oidc (default: the name when it is a preset, else oidc).")
        var preset: String?
        @Option(name: .customLong("client-id"), help: "Our client id at the provider.") var clientID: String
        @Option(name: .customLong("client-secret"), help: "Our client secret at the provider (stored sealed).")
        var clientSecret: String?
        @Option(help: "OpenID Connect discovery URL (…/.well-known/openid-configuration).") var discovery: String?
        @Option(name: .customLong("authorize-url")) var authorizeURL: String?
        @Option(name: .customLong("token-url")) var tokenURL: String?
        @Option(name: .customLong("userinfo-url")) var userinfoURL: String?
        @Option(help: "OpenID Connect issuer (with --jwks-uri, enables ID-token validation).") var issuer: String?
        @Option(name: .customLong("jwks-uri")) var jwksURI: String?
        @Option(help: "Scopes to ask for, space-separated.") var scope: String?
        @Option(name: .customLong("display-name"), help: "Text of the login page's button.") var displayName: String?
        @Flag(inversion: .prefixedNo, help: "Use PKCE (default: as the preset or discovery says).") var pkce: Bool?
        @Flag(name: .customLong("link-by-email"), inversion: .prefixedNo,
              help: ArgumentHelp(
                "When an upstream account's e-mail is a local account's, offer to connect them after the user signs in to the local account (password and second factor); off: refuse such sign-ins (default on).",
                discussion: "Nothing is ever linked without that sign-in, and no second account with the same e-mail is created."))
        var linkByEmail = true
        @OptionGroup var data: DataOption

        func run() async throws {
            let spec = ProviderSpec(
                name: name, preset: preset, client_id: clientID, client_secret: clientSecret, discovery: discovery,
                authorize_url: authorizeURL, token_url: tokenURL, userinfo_url: userinfoURL, issuer: issuer,
                jwks_uri: jwksURI, scope: scope, display_name: displayName, pkce: pkce, link_by_email: linkByEmail)
            let (storage, sealer) = try await ProviderCommand.open(data)
            let provider = try await spec.provider(sealer: sealer)
            try await storage.save(provider)
            print(try ProviderJSON(provider).encoded())
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add or replace the providers of a JSON file: an array of objects whose keys are the options of 'add' (client_id, client_secret, discovery, authorize_url, …).")
        @Option(help: "The JSON file.") var file: String
        @OptionGroup var data: DataOption

        func run() async throws {
            let specs: [ProviderSpec]
            do {
                specs = try JSONDecoder().decode([ProviderSpec].self, from: Data(contentsOf: URL(fileURLWithPath: file)))
            } catch {
                throw ValidationError("\(file) is not a JSON array of providers: \(error)")
            }
            let (storage, sealer) = try await ProviderCommand.open(data)
            // All are checked (and discovered) before any is saved: a bad file changes nothing.
            var providers: [UpstreamProvider] = []
            for spec in specs { providers.append(try await spec.provider(sealer: sealer)) }
            for provider in providers {
                try await storage.save(provider)
                print(try ProviderJSON(provider).encoded(pretty: false))
            }
        }
    }

    static func open(_ data: DataOption) async throws -> (any SSOStore, KeySealer) {
        let directory = data.dataDirectory
        let storage = try await directory.openStorage()
        let sealer = try await directory.keySealer(
            storage: storage, environment: ProcessInfo.processInfo.environment, random: SystemSecureRandom())
        return (storage, sealer)
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List providers as JSON lines.")
        @OptionGroup var data: DataOption
        func run() async throws {
            for provider in try await data.dataDirectory.openStorage().providers() {
                print(try ProviderJSON(provider).encoded(pretty: false))
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a provider.")
        @Option(help: "Provider name.") var name: String
        @OptionGroup var data: DataOption
        func run() async throws {
            guard try await data.dataDirectory.openStorage().removeProvider(name: name) else {
                throw ValidationError("No provider named '\(name)'.")
            }
            print("removed \(name)")
        }
    }
}

/// A provider as the command line prints it; never the secret.
struct ProviderJSON: PrintedJSON {
    var name, display_name, kind, client_id, authorize_url, token_url, scope: String
    var userinfo_url, issuer, jwks_uri: String?
    var pkce, offer_link_by_email, has_client_secret: Bool
    /// The former name of `offer_link_by_email`, printed with the same value for scripts that read it.
    var link_by_verified_email: Bool

    init(_ provider: UpstreamProvider) {
        name = provider.name
        display_name = provider.displayName
        kind = provider.shape.rawValue
        client_id = provider.clientID
        authorize_url = provider.authorizeURL
        token_url = provider.tokenURL
        scope = provider.scopes.description
        userinfo_url = provider.userinfoURL
        issuer = provider.issuer
        jwks_uri = provider.jwksURI
        pkce = provider.usesPKCE
        offer_link_by_email = provider.offerLinkByEmail
        link_by_verified_email = provider.offerLinkByEmail
        has_client_secret = provider.clientSecretSealed != nil
    }
}

/// One provider as `add` takes it on the command line or `import` in a file.
struct ProviderSpec: Decodable {
    var name: String
    var preset: String?
    var client_id: String
    var client_secret: String?
    var discovery, authorize_url, token_url, userinfo_url, issuer, jwks_uri, scope, display_name: String?
    var pkce: Bool?
    /// Offer linking by e-mail (see `--link-by-email`).
    var link_by_email: Bool?

    func validate() throws {
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw ValidationError("A provider name takes letters, digits, '-' and '_': '\(name)'.")
        }
        if let preset, preset != "oidc", ProviderPreset.all[preset] == nil {
            throw ValidationError("Unknown preset '\(preset)'; use yandex, google, mail, vk or oidc.")
        }
        guard !client_id.isEmpty else { throw ValidationError("The provider '\(name)' needs a client id.") }
        for url in [discovery, authorize_url, token_url, userinfo_url, jwks_uri].compactMap({ $0 }) {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw ValidationError("'\(url)' is not an http(s) URL.")
            }
        }
    }

    /// The provider: preset (or generic OpenID Connect), then discovery, then explicit fields.
    func provider(sealer: KeySealer) async throws -> UpstreamProvider {
        try validate()
        let kind = preset ?? (ProviderPreset.all[name] != nil ? name : "oidc")
        var template = ProviderPreset.all[kind] ?? ProviderPreset(
            displayName: name, shape: .oidc, authorizeURL: "", tokenURL: "", userinfoURL: nil, issuer: nil,
            jwksURI: nil, scopes: "openid profile email", usesPKCE: true)
        if let discovery {
            do {
                template = try await template.discovered(from: discovery)
            } catch {
                throw ValidationError("Discovery at \(discovery) failed: \(error)")
            }
        }
        let authorize = authorize_url ?? template.authorizeURL
        let token = token_url ?? template.tokenURL
        guard !authorize.isEmpty, !token.isEmpty else {
            throw ValidationError("The oidc provider '\(name)' needs a discovery URL, or authorize and token URLs.")
        }
        return UpstreamProvider(
            name: name, displayName: display_name ?? template.displayName, shape: template.shape, clientID: client_id,
            clientSecretSealed: try client_secret.map { try sealer.seal(Data($0.utf8)) },
            authorizeURL: authorize, tokenURL: token, userinfoURL: userinfo_url ?? template.userinfoURL,
            issuer: issuer ?? template.issuer, jwksURI: jwks_uri ?? template.jwksURI,
            scopes: ScopeSet((scope ?? template.scopes).split(separator: " ").map(String.init)),
            usesPKCE: pkce ?? template.usesPKCE, offerLinkByEmail: link_by_email ?? true, createdAt: Date())
    }
}

import ArgumentParser
import Foundation
import SSOCore
import SSOServer
import SSOStorageSQLite

/// `sso scope ...`: scopes beyond the built-in ones, with what the consent page says about them.
struct ScopeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scope", abstract: "Register custom scopes (e.g. extern.api) with their consent-page descriptions.",
        subcommands: [Add.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register or re-describe a scope.")
        @Option(help: "Scope name.") var name: String
        @Option(help: "What the consent page says, in English.") var description: String
        @Option(name: .customLong("description-ru"), help: "What the consent page says, in Russian.") var descriptionRU: String?
        @OptionGroup var data: DataOption

        func validate() throws {
            guard let parsed = ScopeSet(parsing: name), parsed.values == [name] else {
                throw ValidationError("'\(name)' is not a single scope token (RFC 6749 3.3).")
            }
            guard !ScopeDefinition.builtIn.contains(name) else { throw ValidationError("'\(name)' is built in.") }
        }

        func run() async throws {
            var descriptions = ["en": description]
            if let descriptionRU { descriptions["ru"] = descriptionRU }
            try await data.dataDirectory.openStorage().save(ScopeDefinition(name: name, descriptions: descriptions))
            print("registered \(name)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the built-in and registered scopes.")
        @OptionGroup var data: DataOption
        func run() async throws {
            for name in ScopeDefinition.builtIn.sorted() { print("\(name)\t(built in)") }
            for scope in try await data.dataDirectory.openStorage().scopeDefinitions() {
                print("\(scope.name)\t\(scope.descriptions["en"] ?? "")")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unregister a scope; requests for it are refused from then on.")
        @Option(help: "Scope name.") var name: String
        @OptionGroup var data: DataOption
        func run() async throws {
            guard try await data.dataDirectory.openStorage().removeScope(name: name) else {
                throw ValidationError("No registered scope '\(name)'.")
            }
            print("removed \(name)")
        }
    }
}

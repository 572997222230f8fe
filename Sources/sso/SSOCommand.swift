import ArgumentParser
import SSOServer

/// `sso`: the UnifiedSSO server and its administration commands.
@main
struct SSOCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sso",
        abstract: "UnifiedSSO: an OAuth 2.0 and OpenID Connect single-sign-on server.",
        subcommands: [Serve.self, ClientCommand.self, UserCommand.self, ProviderCommand.self, ScopeCommand.self, SessionCommand.self, AuditCommand.self,
                      KeysCommand.self, BenchCommand.self, ConfigCommand.self]
    )
}

/// `--data DIR` and `--database URL`, shared by every command; `SSO_DATA_DIR` and
/// `SSO_DATABASE` when absent, else `./data` and the SQLite file in it.
struct DataOption: ParsableArguments {
    @Option(name: .long, help: "Data directory (env SSO_DATA_DIR; default ./data).")
    var data: String?

    @Option(name: .long, help: ArgumentHelp(
        "sqlite (the file in the data directory) or postgres://user:password@host:port/db?sslmode=&schema=&pool_size= (env SSO_DATABASE; default sqlite).",
        valueName: "url"))
    var database: String?

    var directory: String { data ?? Environment.value("SSO_DATA_DIR") ?? "./data" }
    var databaseURL: String? { database ?? Environment.value("SSO_DATABASE") }
    var dataDirectory: DataDirectory { DataDirectory(directory, database: databaseURL) }
}

import ArgumentParser

/// `sso`: the UnifiedSSO server and its administration commands.
@main
struct SSOCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sso",
        abstract: "UnifiedSSO: an OAuth 2.0 and OpenID Connect single-sign-on server.",
        subcommands: [Serve.self, ClientCommand.self, UserCommand.self, ProviderCommand.self, ScopeCommand.self, SessionCommand.self, AuditCommand.self,
                      KeysCommand.self, BenchCommand.self]
    )
}

/// `--data DIR`, shared by every command; `SSO_DATA_DIR` when absent, else `./data`.
struct DataOption: ParsableArguments {
    @Option(name: .long, help: "Data directory (env SSO_DATA_DIR; default ./data).")
    var data: String?

    var directory: String { data ?? Environment.value("SSO_DATA_DIR") ?? "./data" }
}

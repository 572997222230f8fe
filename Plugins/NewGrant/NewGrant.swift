import Foundation
import PackagePlugin

/// `swift package --allow-writing-to-package-directory new-grant <grant_type> [--name Name]`
///
/// Creates a grant module the way the design promises one: a target under `Sources/` that
/// depends on the core only, a test target that drives it through the real token endpoint,
/// the `Package.swift` entries, and the one registration line in the composition root. It
/// refuses a module or grant type that exists, and writes nothing unless every step can be done.
@main
struct NewGrant: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        var extractor = ArgumentExtractor(arguments)
        let name = extractor.extractOption(named: "name").last
        let positional = extractor.remainingArguments
        guard positional.count == 1, let grantType = positional.first else {
            throw ScaffoldError("""
                Usage: swift package --allow-writing-to-package-directory new-grant <grant_type> [--name Name]
                  e.g. new-grant urn:ietf:params:oauth:grant-type:device_code   (module SSOGrantDeviceCode)
                """)
        }
        let scaffold = try Scaffold(grantType: grantType, name: name, root: context.package.directoryURL)
        try scaffold.write()
        print(scaffold.summary)
    }
}

import Foundation
import SSOCore
import SSOServerTesting
import SSOServer
import SSOStorageSQLite
import Testing

@Suite("Start-up and the data directory")
struct StartupTests {
    @Test("the server refuses to start when the key that seals its signing keys is gone or wrong")
    func missingMasterKey() async throws {
        let harness = try Harness()
        _ = try await harness.run { browser in try await browser.get("/jwks").status }
        let keyFile = harness.dataDirectory + "/" + DataDirectory.masterKeyFile
        let attributes = try FileManager.default.attributesOfItem(atPath: keyFile)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        let original = try String(contentsOfFile: keyFile, encoding: .utf8)
        try FileManager.default.removeItem(atPath: keyFile)
        await #expect(throws: DataDirectory.Failure.self) {
            _ = try await SSOServer.makeApplication(options(harness))
        }
        // A different key cannot unseal them either, and nothing is replaced silently.
        let other = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        await #expect(throws: (any Error).self) {
            _ = try await SSOServer.makeApplication(options(harness), environment: ["SSO_MASTER_KEY": other])
        }
        try original.write(toFile: keyFile, atomically: true, encoding: .utf8)
        _ = try await SSOServer.makeApplication(options(harness))
        #expect(try await harness.storage.signingKeys().count == 3)
    }

    @Test("SSO_MASTER_KEY replaces the key file")
    func environmentKey() async throws {
        let harness = try Harness()
        let key = Data(repeating: 3, count: 32).base64EncodedString()
        _ = try await SSOServer.makeApplication(options(harness), environment: ["SSO_MASTER_KEY": key])
        #expect(!FileManager.default.fileExists(atPath: harness.dataDirectory + "/" + DataDirectory.masterKeyFile))
        _ = try await SSOServer.makeApplication(options(harness), environment: ["SSO_MASTER_KEY": key])
        await #expect(throws: DataDirectory.Failure.self) {
            _ = try await SSOServer.makeApplication(options(harness), environment: ["SSO_MASTER_KEY": "not base64!"])
        }
    }

    @Test("Resources are found from the package root")
    func resources() {
        let found = SSOServer.locateResources(executablePath: Harness.resources + "/../.build/debug/sso",
                                              workingDirectory: "/nonexistent")
        #expect(found.map { URL(fileURLWithPath: $0).standardized.path } == URL(fileURLWithPath: Harness.resources).path)
        #expect(SSOServer.locateResources(executablePath: "/usr/bin/sso", workingDirectory: "/nonexistent") == nil)
    }

    func options(_ harness: Harness) -> ServerOptions {
        ServerOptions(port: 0, issuer: Harness.issuer, dataDirectory: harness.dataDirectory,
                      resourcesDirectory: Harness.resources)
    }
}

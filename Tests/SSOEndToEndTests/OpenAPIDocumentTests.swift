import Foundation
@testable import SSOHTTP
import Testing

/// `/openapi.json` is the file in Resources with the server's issuer spliced in as its server.
@Suite("The OpenAPI document's server URL")
struct OpenAPIDocumentTests {
    @Test("the issuer is the one server, escaped as JSON; a file that names servers itself is refused")
    func servers() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openapi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("openapi.json")
        try Data(#"  {"openapi": "3.1.0", "paths": {"/a": {}}}"#.utf8).write(to: file)
        let bytes = try SSORoutes.openAPIDocument(resourcesDirectory: directory.path, issuer: #"https://sso.example/"x""#)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(document["servers"] as? [[String: String]] == [["url": #"https://sso.example/"x""#]])
        #expect(document["openapi"] as? String == "3.1.0" && (document["paths"] as? [String: Any])?.keys.first == "/a")
        try Data(" { } ".utf8).write(to: file)
        let empty = try SSORoutes.openAPIDocument(resourcesDirectory: directory.path, issuer: "https://i")
        #expect(String(decoding: empty, as: UTF8.self) == #"{"servers":[{"url":"https://i"}]}"#)
        try Data(#"{"servers": [], "paths": {}}"#.utf8).write(to: file)
        #expect(throws: (any Error).self) { try SSORoutes.openAPIDocument(resourcesDirectory: directory.path, issuer: "x") }
    }
}

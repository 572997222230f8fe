import SSOServer
import Testing

/// `sso serve` sets its options one by one from the settings, so a default issuer must follow
/// the host and port set after the options were made.
@Suite struct ServerOptionsTests {
    @Test func theDefaultIssuerFollowsTheHostAndPort() {
        var options = ServerOptions(resourcesDirectory: "Resources")
        #expect(options.issuer == "http://127.0.0.1:8080")
        options.host = "::1"
        options.port = 9000
        #expect(options.issuer == "http://[::1]:9000")
        options.issuer = "https://sso.example.com"
        options.port = 9001
        #expect(options.issuer == "https://sso.example.com")
        #expect(ServerOptions(port: 1, issuer: "https://given.example", resourcesDirectory: "").issuer == "https://given.example")
    }
}

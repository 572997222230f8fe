import SSOAccount
import Testing

/// The QR codes of TOTP enrolment, drawn by libqrencode: a real QR symbol (its size, finder and
/// timing patterns), the same text always the same symbol, and an SVG of exactly its dark modules.
@Suite("QR codes and device names")
struct QRCodeTests {
    static let uri = "otpauth://totp/UnifiedSSO:alice?secret=IFBEGRCFIZDUQSKKJNGE2TSPKBIVEUZUKVLFOWCZLIZDGNBV&issuer=UnifiedSSO"

    @Test("an otpauth URI becomes a QR symbol with its three finder patterns and timing lines")
    func symbol() throws {
        let code = try #require(QRCode(Self.uri))
        #expect((code.size - 17) % 4 == 0 && code.size >= 21, "a size of 17 + 4 × version")
        for (row, column) in [(0, 0), (0, code.size - 7), (code.size - 7, 0)] {
            for r in 0..<7 {
                for c in 0..<7 {
                    let ring = r == 0 || r == 6 || c == 0 || c == 6
                    let core = (2...4).contains(r) && (2...4).contains(c)
                    #expect(code.isDark(row: row + r, column: column + c) == (ring || core),
                            "finder pattern at \(row),\(column): module \(r),\(c)")
                }
            }
        }
        for index in 8..<(code.size - 8) {
            #expect(code.isDark(row: 6, column: index) == index.isMultiple(of: 2), "horizontal timing")
            #expect(code.isDark(row: index, column: 6) == index.isMultiple(of: 2), "vertical timing")
        }
        #expect(QRCode(Self.uri) == code)
        #expect(QRCode(Self.uri + "x") != code)
    }

    @Test("the SVG draws every dark module and nothing else, with a quiet zone and an accessible name")
    func svg() throws {
        let code = try #require(QRCode("hello"))
        let svg = code.svg(pixelsPerModule: 4, label: "QR <\"code\">")
        #expect(svg.hasPrefix("<svg "))
        #expect(svg.contains("viewBox=\"0 0 \(code.size + 8) \(code.size + 8)\""))
        #expect(svg.contains("aria-label=\"QR &lt;&quot;code&quot;>\""))
        // Runs of `h` lengths sum to the dark modules.
        let path = try #require(svg.split(separator: "d=\"").last?.split(separator: "\"").first)
        var drawn = 0
        for segment in path.split(separator: "h").dropFirst() {
            drawn += Int(segment.prefix { $0.isNumber }) ?? 0
        }
        #expect(drawn == code.modules.filter { $0 }.count)
    }

    @Test("empty text or text beyond a QR code's capacity has no code")
    func limits() {
        #expect(QRCode("") == nil)
        #expect(QRCode(String(repeating: "x", count: 4000)) == nil)
    }

    @Test("device names from user agents", arguments: [
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0", "Edge, Windows"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1", "Safari, iOS"),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox, Linux"),
        ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 YaBrowser/24.10 Mobile Safari/537.36", "Yandex Browser, Android"),
        ("MyTradingTerminal/4.2", "MyTradingTerminal/4.2"),
    ])
    func devices(_ agent: String, _ expected: String) {
        #expect(DeviceDescription.of(agent) == expected)
        #expect(DeviceDescription.of(nil) == nil)
    }
}

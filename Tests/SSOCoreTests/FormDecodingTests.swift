import SSOCore
import SSOTesting

import Testing

@Suite("The form decoder")
struct FormDecodingTests {
    @Test("decodes plus and percent escapes, keeps repeats and tolerates malformed escapes")
    func decode() throws {
        let parameters = FormDecoding.parse("a=1+2&b=%C3%A9t%C3%A9&a=3&c=%zz&=skip&d")
        #expect(parameters.pairs.map(\.name) == ["a", "b", "a", "c", "d"])
        #expect(try parameters.value("b") == "été")
        #expect(try parameters.value("c") == "%zz")
        #expect(try parameters.value("d") == nil)
        #expect(throws: OAuthError.self) { try parameters.value("a") }
        #expect(FormDecoding.decode("x%2By+z") == "x+y z")
    }
}

@Suite("Property tests of the form decoder (seeded)")
struct FormDecodingPropertyTests {
    @Test("any text decodes without trapping, and never yields an empty name or more than the cap")
    func total() {
        var generator = SeededGenerator(seed: SeededGenerator.runSeed)
        for _ in 0..<3000 {
            let text = Bool.random(using: &generator)
                ? FuzzInput.string(maximumLength: 200, using: &generator)
                : String(decoding: FuzzInput.bytes(maximumLength: 300, using: &generator), as: UTF8.self)
            let parameters = FormDecoding.parse(text)
            #expect(parameters.pairs.allSatisfy { !$0.name.isEmpty })
            #expect(parameters.pairs.count <= FormDecoding.maximumParameters)
        }
    }

    @Test("encoding pairs and decoding them gives the same pairs back")
    func roundTrip() throws {
        var generator = SeededGenerator(seed: SeededGenerator.runSeed &+ 1)
        for _ in 0..<2000 {
            let pairs = (0..<Int.random(in: 0...8, using: &generator)).map { index in
                (name: "p\(index)" + FuzzInput.string(maximumLength: 6, using: &generator),
                 value: FuzzInput.string(maximumLength: 20, using: &generator))
            }
            let text = pairs.map { RedirectURL.percentEncode($0.name) + "=" + RedirectURL.percentEncode($0.value) }
                .joined(separator: "&")
            let decoded = FormDecoding.parse(text)
            #expect(decoded.pairs.map(\.name) == pairs.map(\.name))
            #expect(decoded.pairs.map(\.value) == pairs.map(\.value))
        }
    }

    @Test("more parameters than the cap: every read is refused, none is acted on")
    func overflow() {
        let text = (0...FormDecoding.maximumParameters).map { "p\($0)=v" }.joined(separator: "&")
        let parameters = FormDecoding.parse(text)
        #expect(parameters.overflowed)
        #expect(throws: OAuthError.self) { try parameters.value("p0") }
        #expect(!FormDecoding.parse((1...FormDecoding.maximumParameters).map { "p\($0)=v" }.joined(separator: "&")).overflowed)
    }
}

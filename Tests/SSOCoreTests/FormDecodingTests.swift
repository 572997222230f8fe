import SSOCore

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

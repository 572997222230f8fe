import Foundation
import Testing

/// A template that names a message the catalogs lack renders an empty string, silently: the
/// demo page once showed three empty steps. Every key a template reads must be in every catalog.
@Suite("Templates and message catalogs")
struct MessageCatalogTests {
    static let resources = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Resources")

    /// `t.key` in `{{t.key}}`, `{{{t.key}}}`, `{{#t.key}}`, `{{^t.key}}` and `{{&t.key}}`.
    static func keys(in template: String) throws -> Set<String> {
        let pattern = try NSRegularExpression(pattern: #"\{\{[{#^/&]?\s*t\.([A-Za-z0-9_.]+)"#)
        let range = NSRange(template.startIndex..., in: template)
        return Set(pattern.matches(in: template, range: range).compactMap { match in
            Range(match.range(at: 1), in: template).map { String(template[$0]) }
        })
    }

    @Test("every message key a template names is in every catalog, and the catalogs have the same keys")
    func everyKeyExists() throws {
        let templates = Self.resources.appendingPathComponent("templates")
        let locales = Self.resources.appendingPathComponent("locales")
        var catalogs: [String: Set<String>] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: locales.path) where file.hasSuffix(".json") {
            let data = try Data(contentsOf: locales.appendingPathComponent(file))
            let messages = try #require(try JSONSerialization.jsonObject(with: data) as? [String: String])
            catalogs[file] = Set(messages.keys)
        }
        #expect(catalogs.count >= 2)
        var named = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: templates.path) where file.hasSuffix(".mustache") {
            let text = try String(contentsOf: templates.appendingPathComponent(file), encoding: .utf8)
            for key in try Self.keys(in: text) {
                named += 1
                for (catalog, keys) in catalogs {
                    let known = keys.contains(key)
                    #expect(known, "\(file) names t.\(key), which \(catalog) lacks")
                }
            }
        }
        #expect(named > 20)
        let all = catalogs.values.reduce(Set<String>()) { $0.union($1) }
        for (catalog, keys) in catalogs {
            #expect(all.subtracting(keys).isEmpty, "\(catalog) lacks \(all.subtracting(keys).sorted())")
        }
    }

    @Test("the key pattern reads every form of tag")
    func pattern() throws {
        #expect(try Self.keys(in: "{{t.a}} {{{t.b_c}}} {{#t.d}}x{{/t.d}} {{^t.e}} {{& t.f}} {{x.t.g}} {{lang}}")
            == ["a", "b_c", "d", "e", "f"])
    }
}

import Foundation

/// Message catalogs (`Resources/locales/*.json`) and the choice among them by `Accept-Language`.
struct Localizer: Sendable {
    static let fallback = "en"
    let catalogs: [String: [String: String]]

    init(directory: String) throws {
        var catalogs: [String: [String: String]] = [:]
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }
        for file in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(file))
            catalogs[String(file.dropLast(5))] = try JSONDecoder().decode([String: String].self, from: data)
        }
        guard catalogs[Self.fallback] != nil else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: directory + "/en.json"])
        }
        self.catalogs = catalogs
    }

    /// The best supported language for an `Accept-Language` header (RFC 9110 section 12.5.4).
    func language(for header: String?) -> String {
        guard let header else { return Self.fallback }
        var best: (language: String, quality: Double)?
        for item in header.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = parts.first?.lowercased(), !tag.isEmpty else { continue }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            let primary = String(tag.split(separator: "-")[0])
            guard catalogs[primary] != nil, quality > 0 else { continue }
            if best == nil || quality > best!.quality { best = (primary, quality) }
        }
        return best?.language ?? Self.fallback
    }

    /// The catalog of `language`, with English filling any gap.
    func messages(_ language: String) -> [String: String] {
        (catalogs[Self.fallback] ?? [:]).merging(catalogs[language] ?? [:]) { _, translated in translated }
    }
}

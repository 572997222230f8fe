import Foundation
import Hummingbird
import Mustache

/// Renders the HTML pages from the Mustache templates in `Resources/templates`, in the
/// language the browser prefers. Mustache escapes every `{{value}}`, so user-supplied text
/// (client names, login hints, error descriptions) cannot inject markup.
struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let localizer: Localizer

    init(resourcesDirectory: String) async throws {
        library = try await MustacheLibrary(directory: resourcesDirectory + "/templates")
        localizer = try Localizer(directory: resourcesDirectory + "/locales")
    }

    /// The page `template` in the language `acceptLanguage` prefers. `formTarget`: the
    /// registered URI its form's answer may redirect to (the relying party's), allowed by the
    /// page's policy.
    func render(
        _ template: String, _ context: [String: Any], acceptLanguage: String?, status: HTTPResponse.Status = .ok,
        formTarget: String? = nil, otherFormTargets: [String] = []
    ) -> Response {
        let language = localizer.language(for: acceptLanguage)
        var full = context
        full["t"] = localizer.messages(language)
        full["lang"] = language
        guard let html = library.render(full, withTemplate: template) else {
            return Response(status: .internalServerError)
        }
        return Responses.html(html, status: status, formTargets: (formTarget.map { [$0] } ?? []) + otherFormTargets)
    }

    func render(_ template: String, _ context: [String: Any], request: Request, status: HTTPResponse.Status = .ok) -> Response {
        render(template, context, acceptLanguage: request.headers[.acceptLanguage], status: status)
    }

    /// The page shown when a browser request cannot continue and must not be redirected.
    func errorPage(_ message: String, acceptLanguage: String?, status: HTTPResponse.Status = .badRequest) -> Response {
        render("error", ["message": message], acceptLanguage: acceptLanguage, status: status)
    }

    func errorPage(_ message: String, request: Request, status: HTTPResponse.Status = .badRequest) -> Response {
        errorPage(message, acceptLanguage: request.headers[.acceptLanguage], status: status)
    }

    /// A message from the catalog in the preferred language, `%d` replaced by `argument`.
    func message(_ key: String, argument: String? = nil, acceptLanguage: String?) -> String {
        let text = localizer.messages(localizer.language(for: acceptLanguage))[key] ?? key
        return argument.map { text.replacingOccurrences(of: "%d", with: $0) } ?? text
    }

    func message(_ key: String, request: Request) -> String {
        message(key, acceptLanguage: request.headers[.acceptLanguage])
    }
}

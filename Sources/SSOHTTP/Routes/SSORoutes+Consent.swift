import Foundation
import Hummingbird
import SSOCore

extension SSORoutes {
    func registerConsent(on router: Router<some RequestContext>) {
        router.get("/consent") { request, _ in
            do {
                let id = (try? request.queryParameters.value("interaction")) ?? nil
                guard let (interaction, client, _) = try await consentContext(id, request: request, csrf: nil) else {
                    return expiredPage(request)
                }
                return interactionPage("consent", [
                    "interaction": interaction.id, "csrf": request.cookies[csrfCookie]?.value ?? "",
                    "client": client.name, "scopes": try await describe(interaction.request.scopes, request: request),
                ], interaction, request: request)
            } catch {
                return internalErrorPage(error, request: request)
            }
        }
        router.post("/consent") { request, _ in
            var request = request
            guard let form = await request.formParameters() else { return badFormPage(request) }
            do {
                guard let (interaction, client, session) = try await consentContext(
                    (try? form.value("interaction")) ?? nil, request: request, csrf: (try? form.value("csrf")) ?? "")
                else { return expiredPage(request) }
                let decision = (try? form.value("decision")) ?? nil
                guard decision == "approve" || decision == "deny" else { return badFormPage(request) }
                let step = try await services.flow.consentAnswered(
                    interaction, client: client, session: session, approved: decision == "approve")
                return respond(step)
            } catch {
                return internalErrorPage(error, request: request)
            }
        }
    }

    /// Each scope's name and description in the browser's language: the operator's registered
    /// description, else the catalog's, else the name itself.
    func describe(_ scopes: ScopeSet, request: Request) async throws -> [[String: String]] {
        let language = pages.localizer.language(for: request.headers[.acceptLanguage])
        let t = pages.localizer.messages(language)
        var registered: [String: [String: String]] = [:]
        for definition in try await services.scopes?.scopeDefinitions() ?? [] {
            registered[definition.name] = definition.descriptions
        }
        return scopes.values.map { scope in
            ["name": scope,
             "description": registered[scope].flatMap { $0[language] ?? $0["en"] } ?? t["scope_" + scope] ?? scope]
        }
    }

    /// The interaction, its client and the browser's session, when the consent page may be shown:
    /// the interaction belongs to this browser and was started (or signed in) by this very session.
    private func consentContext(
        _ id: String?, request: Request, csrf: String?
    ) async throws -> (Interaction, Client, SSOSession)? {
        guard let interaction = try await boundInteraction(id, request: request, submittedCSRF: csrf),
            let session = try await services.login.activeSession(secret: request.cookies[sessionCookie]?.value),
            interaction.sessionID == session.id,
            let client = try await services.clients.client(id: interaction.request.clientID)
        else { return nil }
        return (interaction, client, session)
    }
}

import Foundation
import SSOCore
import SSOEndpointModel

/// The consent page: the client and the scopes it asks for, in the browser's language, and the
/// answer (approve or deny), which `AuthorizationFlow` turns into the redirect back.
struct ConsentEndpoints: EndpointModule {
    let services: ProtocolServices

    var routes: [EndpointRoute] {
        [
            EndpointRoute(.get, "/consent") { request in
                guard let context = try await services.binding.consent(
                    request.query.field("interaction"), browserSecret: request.browserSecret,
                    sessionSecret: request.sessionSecret)
                else { return LoginEndpoints.expired }
                return .page(Page(
                    "consent", values: ["interaction": context.interaction.id, "csrf": request.browserSecret ?? "",
                                        "client": context.client.name],
                    scopes: context.interaction.request.scopes,
                    formTarget: context.interaction.returnTo ?? context.interaction.request.redirectURI))
            },
            EndpointRoute(.post, "/consent") { request in
                guard let form = request.form else { return .errorPage(key: "error_bad_form") }
                guard let context = try await services.binding.consent(
                    form.field("interaction"), browserSecret: request.browserSecret,
                    submittedCSRF: form.field("csrf") ?? "", sessionSecret: request.sessionSecret)
                else { return LoginEndpoints.expired }
                let decision = form.field("decision")
                guard decision == "approve" || decision == "deny" else { return .errorPage(key: "error_bad_form") }
                let step = try await services.flow.consentAnswered(
                    context.interaction, client: context.client, session: context.session, approved: decision == "approve")
                return .redirect(step.location)
            },
        ]
    }
}

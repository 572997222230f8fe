import Foundation
import SSOCore
import SSOEndpointModel

/// RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) at the `end_session_endpoint`:
/// `LogoutFlow` decides, this module shows the question, the refusal or the signed-out page,
/// or redirects, and clears the session cookie once the session is ended.
struct LogoutEndpoints: EndpointModule {
    let services: ProtocolServices

    var routes: [EndpointRoute] {
        ["/logout", "/connect/endsession"].flatMap { path in
            [
                EndpointRoute(.get, path) { request in
                    answer(try await services.logout.request(request.query, sessionSecret: request.sessionSecret), request)
                },
                EndpointRoute(.post, path) { request in
                    guard let form = request.form else { return .errorPage(key: "error_bad_form") }
                    guard form.field("confirm") == "yes" else {
                        return answer(try await services.logout.request(form, sessionSecret: request.sessionSecret), request)
                    }
                    // The confirmation page's "Sign out" button: its form must come from this browser.
                    guard try request.isFromThisBrowser(form) else { return LoginEndpoints.expired }
                    return answer(try await services.logout.confirmed(form, sessionSecret: request.sessionSecret), request)
                },
            ]
        }
    }

    func answer(_ step: LogoutStep, _ request: EndpointRequest) -> EndpointResponse {
        switch step {
        case .refused(let reason):
            return .errorPage(key: reason.rawValue)
        case .confirm(let question):
            return .page(Page(
                "logout",
                values: ["csrf": request.browserSecret ?? "", "post_logout_redirect_uri": question.target ?? "",
                         "state": question.state ?? "", "client_id": question.clientID ?? ""],
                formTarget: question.target))
        case .signedOut(let redirect):
            var response = redirect.map(EndpointResponse.redirect) ?? .page(Page("logged_out"))
            response.sessionCookie = .clear
            return response
        }
    }
}

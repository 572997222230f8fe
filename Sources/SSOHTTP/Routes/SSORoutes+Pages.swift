import Foundation
import Hummingbird
import SSOCore

extension SSORoutes {
    func registerPages(on router: Router<some PeerAddressRequestContext>) {
        router.get("/static/{file}") { request, context in
            guard let name = context.parameters.get("file"), let file = staticFiles[name] else {
                return Response(status: .notFound)
            }
            return Responses.text(file.body, contentType: file.contentType)
        }
        router.get("/") { request, _ in
            pages.render("home", ["issuer": configuration.issuer, "demo": configuration.demo], request: request)
        }
        if configuration.demo {
            router.get("/demo") { request, _ in
                pages.render("demo", ["issuer": configuration.issuer, "client_id": "demo"], request: request)
            }
        }
    }
}

import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Why an upstream call failed.
public enum UpstreamError: Error, Sendable, Equatable, CustomStringConvertible {
    case timeout(String)
    case unreachable(String)
    /// The provider answered, but not with what the protocol requires.
    case badAnswer(String)
    /// The provider's ID token failed validation.
    case invalidIDToken(String)

    public var description: String {
        switch self {
        case .timeout(let what): "The provider did not answer in time (\(what))."
        case .unreachable(let what): "The provider could not be reached (\(what))."
        case .badAnswer(let what): "The provider's answer was not usable: \(what)."
        case .invalidIDToken(let what): "The provider's ID token is not valid: \(what)."
        }
    }
}

/// The few HTTP calls federation makes, over AsyncHTTPClient, each bounded by `timeout`.
struct UpstreamHTTP: Sendable {
    let client: HTTPClient
    let timeout: TimeAmount

    func send(
        _ url: String, method: HTTPMethod, headers: [(String, String)] = [], form: [(String, String)]? = nil
    ) async throws -> (status: Int, body: Data) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "UnifiedSSO")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            let body = form.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
            request.body = .bytes(ByteBuffer(string: body))
        }
        do {
            let response = try await client.execute(request, timeout: timeout)
            let body = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), Data(body.readableBytesView))
        } catch let error as HTTPClientError
            where [.deadlineExceeded, .readTimeout, .connectTimeout, .getConnectionFromPoolTimeout].contains(error) {
            throw UpstreamError.timeout(url)
        } catch {
            throw UpstreamError.unreachable(url)
        }
    }

    /// A JSON object from an upstream answer with a 2xx status.
    func json(_ url: String, method: HTTPMethod, headers: [(String, String)] = [], form: [(String, String)]? = nil)
        async throws -> [String: Any]
    {
        let (status, body) = try await send(url, method: method, headers: headers, form: form)
        let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        guard (200..<300).contains(status) else {
            let reason = (object?["error_description"] ?? object?["error"]).map { "\($0)" } ?? "HTTP \(status)"
            throw UpstreamError.badAnswer(reason)
        }
        guard let object else { throw UpstreamError.badAnswer("not a JSON object") }
        return object
    }

    static func encode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}

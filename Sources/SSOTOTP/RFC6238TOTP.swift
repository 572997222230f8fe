import Crypto
import Foundation
import SSOCore

/// RFC 6238 TOTP over swift-crypto's HMAC: 6 digits, 30-second steps, HMAC-SHA-1 by default,
/// the parameters every authenticator app expects. The key is bytes, so a seed imported from
/// another system (any bytes, base32 in its `otpauth://` URI) works as it did there.
public struct RFC6238TOTP: TOTPAlgorithm {
    public enum Hash: String, Sendable {
        case sha1 = "SHA1", sha256 = "SHA256", sha512 = "SHA512"
    }

    public let period: Int
    let digits: Int
    let hash: Hash

    public init(period: Int = 30, digits: Int = 6, hash: Hash = .sha1) {
        precondition(period > 0 && (6...8).contains(digits))
        self.period = period
        self.digits = digits
        self.hash = hash
    }

    public func code(key: [UInt8], at date: Date) -> String {
        let counter = UInt64(max(0, date.timeIntervalSince1970) / Double(period))
        let value = Self.hotp(key: key, counter: counter, hash: hash) % Self.modulus[digits - 6]
        let text = String(value)
        return String(repeating: "0", count: digits - text.count) + text
    }

    /// `otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=…` (Google Authenticator's key URI format),
    /// with the algorithm, digits and period named only where they differ from the defaults
    /// apps assume.
    public func provisioningURI(key: [UInt8], account: String, issuer: String) -> String {
        var components = URLComponents()
        components.scheme = "otpauth"
        components.host = "totp"
        components.path = "/" + issuer + ":" + account
        var query = [URLQueryItem(name: "secret", value: Base32.encode(key)), URLQueryItem(name: "issuer", value: issuer)]
        if hash != .sha1 { query.append(URLQueryItem(name: "algorithm", value: hash.rawValue)) }
        if digits != 6 { query.append(URLQueryItem(name: "digits", value: String(digits))) }
        if period != 30 { query.append(URLQueryItem(name: "period", value: String(period))) }
        components.queryItems = query
        return components.string ?? ""
    }

    static let modulus: [UInt32] = [1_000_000, 10_000_000, 100_000_000]

    /// RFC 4226 section 5: the HMAC of the big-endian counter, dynamically truncated to 31 bits.
    static func hotp(key: [UInt8], counter: UInt64, hash: Hash) -> UInt32 {
        let message = withUnsafeBytes(of: counter.bigEndian) { Array($0) }
        let symmetric = SymmetricKey(data: key)
        let mac: [UInt8] = switch hash {
        case .sha1: Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: symmetric))
        case .sha256: Array(HMAC<SHA256>.authenticationCode(for: message, using: symmetric))
        case .sha512: Array(HMAC<SHA512>.authenticationCode(for: message, using: symmetric))
        }
        let offset = Int(mac[mac.count - 1] & 0x0F)
        return (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8)
            | UInt32(mac[offset + 3])
    }
}

import Foundation
import HummingbirdOTP
import SSOCore

/// RFC 6238 TOTP over HummingbirdOTP: 6 digits, 30-second steps, HMAC-SHA-1, the parameters
/// every authenticator app expects by default.
public struct HummingbirdTOTP: TOTPAlgorithm {
    public let period: Int
    let digits: Int
    let hash: OTPHashFunction

    public init(period: Int = 30, digits: Int = 6, hash: OTPHashFunction = .sha1) {
        self.period = period
        self.digits = digits
        self.hash = hash
    }

    public func code(secret: String, at date: Date) -> String {
        let value = TOTP(secret: secret, length: digits, timeStep: period, hashFunction: hash).compute(date: date)
        let text = String(value)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    public func provisioningURI(secret: String, account: String, issuer: String) -> String {
        TOTP(secret: secret, length: digits, timeStep: period, hashFunction: hash)
            .createAuthenticatorURL(label: "\(issuer):\(account)", issuer: issuer)
    }
}

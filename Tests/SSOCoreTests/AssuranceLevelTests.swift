import Foundation
import SSOCore
import Testing

@Suite("Assurance levels and what a request demands of the sign-in")
struct AssuranceLevelTests {
    static let levels = AssuranceLevels.standard
    static let (password, mfa, passkey) = ("urn:unifiedsso:acr:password", "urn:unifiedsso:acr:mfa",
                                           "urn:unifiedsso:acr:phishing-resistant")

    static func demand(_ acrValues: [String]?, defaultACR: String? = nil, minimumACR: String? = nil) -> AssuranceDemand {
        let client = Client(id: "c", name: "C", secretDigest: nil, redirectURIs: ["https://c/cb"],
                            grantTypes: ["authorization_code"], defaultACR: defaultACR, minimumACR: minimumACR,
                            createdAt: Date(timeIntervalSince1970: 0))
        let request = AuthorizationRequest(clientID: "c", redirectURI: "https://c/cb", scopes: ScopeSet(["openid"]),
                                           acrValues: acrValues)
        return AssuranceDemand(request, client: client, levels: levels)
    }

    @Test("the strongest level methods reach; a passkey with user verification is two factors")
    func highest() {
        #expect(Self.levels.highest(satisfiedBy: ["pwd"]) == Self.password)
        #expect(Self.levels.highest(satisfiedBy: ["pwd", "otp"]) == Self.mfa)
        #expect(Self.levels.highest(satisfiedBy: ["hwk", "user"]) == Self.passkey)
        #expect(Self.levels.level(named: Self.mfa)?.isSatisfied(by: ["swk", "user"]) == true)
        #expect(Self.levels.level(named: Self.mfa)?.isSatisfied(by: ["swk"]) == false)
        #expect(Self.levels.highest(satisfiedBy: []) == nil)
    }

    @Test("unknown values are ignored, the default fills in, the minimum lifts a weaker request")
    func demands() {
        #expect(Self.demand(["urn:x", Self.mfa]).requested == [Self.mfa])
        #expect(Self.demand(["urn:x"]).requested == [])
        #expect(Self.demand(["urn:x"], defaultACR: Self.mfa).requested == [Self.mfa])
        let lifted = Self.demand([Self.password], minimumACR: Self.mfa)
        #expect(lifted.requested == [Self.mfa] && lifted.essential == Self.mfa)
        #expect(Self.demand([Self.passkey], minimumACR: Self.mfa).requested == [Self.passkey])
        // A stronger level than the one asked meets the request.
        #expect(Self.demand([Self.password]).isMet(by: ["hwk"], levels: Self.levels))
        #expect(!Self.demand([Self.mfa]).isMet(by: ["pwd"], levels: Self.levels))
    }

    @Test("a minimum that names no configured level is met by no sign-in")
    func unknownMinimumFailsClosed() {
        let demand = Self.demand(nil, minimumACR: "urn:renamed")
        #expect(!demand.isEssentialMet(by: ["hwk", "user", "pwd", "otp"], levels: Self.levels))
        #expect(!demand.isMet(by: ["hwk", "user", "pwd", "otp"], levels: Self.levels))
    }

    @Test("the setting's entries round-trip; malformed ones are refused")
    func entries() {
        #expect(AssuranceLevels(entries: Self.levels.entries) == Self.levels)
        for bad in [["x"], ["a=pwd", "a=otp"], ["a=pwd||otp"], ["=pwd"], ["a b=pwd"], ["a="]] {
            #expect(AssuranceLevels(entries: bad) == nil, "\(bad)")
        }
    }
}

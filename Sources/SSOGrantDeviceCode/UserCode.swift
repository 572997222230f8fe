import SSOCore

/// The short code a user types on the verification page (RFC 8628 section 6.1).
///
/// Eight letters from twenty consonants: no vowels, so no words (rude or otherwise) appear;
/// no digits and no letters read as them (no O, I, U, Y). Shown as `BCDF-GHJK`; typed in any
/// case, with or without the dash or spaces. 20^8 is about 2^34.6 codes: with a ten-minute
/// life and wrong entries limited per address (`AbuseLimits.userCodeAddress`), guessing one
/// is hopeless, as section 5.1 asks.
enum UserCode {
    static let alphabet = Array("BCDFGHJKLMNPQRSTVWXZ".utf8)
    static let length = 8

    /// A fresh code from the CSPRNG, unformatted. Bytes of 240 and above are drawn again, so
    /// that each letter is equally likely (240 is the largest multiple of 20 below 256).
    static func generate(_ random: any SecureRandom) -> String {
        var letters: [UInt8] = []
        while letters.count < length {
            for byte in random.bytes(length * 2) where byte < 240 && letters.count < length {
                letters.append(alphabet[Int(byte) % alphabet.count])
            }
        }
        return String(decoding: letters, as: UTF8.self)
    }

    /// The code as the user typed it, reduced to its letters: upper-cased, dashes and spaces
    /// dropped; `nil` when what remains cannot be a code.
    static func normalized(_ typed: String) -> String? {
        var letters: [UInt8] = []
        for byte in typed.uppercased().utf8 where byte != UInt8(ascii: "-") && byte != UInt8(ascii: " ") {
            guard alphabet.contains(byte), letters.count < length else { return nil }
            letters.append(byte)
        }
        return letters.count == length ? String(decoding: letters, as: UTF8.self) : nil
    }

    /// `BCDFGHJK` as `BCDF-GHJK`, easier to read out and type.
    static func formatted(_ code: String) -> String {
        String(code.prefix(length / 2)) + "-" + String(code.dropFirst(length / 2))
    }

    /// What the store keeps instead of the code.
    static func digest(_ normalized: String) -> String { SecretDigest.sha256("user-code:" + normalized) }
}

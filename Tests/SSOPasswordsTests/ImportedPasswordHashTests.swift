import Foundation
import SSOPasswords
import Testing

/// The vectors were made by `Scripts/password-vectors.py` with passlib 1.7 (its pbkdf2_sha256 and
/// pbkdf2_sha512), hashlib.pbkdf2_hmac (PHC strings, Django's PBKDF2PasswordHasher re-implemented,
/// the fields records) and argon2-cffi, all for the password below with fixed salts.
@Suite("Imported password hashes")
struct ImportedPasswordHashTests {
    static let password = "correct horse battery"

    static let passlib256 = "$pbkdf2-sha256$29000$AAECAwQFBgcICQoLDA0ODw$QKlCDPGRoLK139911fz4wmw.qxtasIBS/3PnV5Q49G0"
    static let passlib512 = "$pbkdf2-sha512$25000$AAECAwQFBgcICQoLDA0ODw$Eg0Mk93hSCKTNDTT755F1rAKbWsV8PFg6FJZ47XUM739UmWNhvhwHSOdWT.vjaDlC7U.rRRTf21fAAcW5XeH3Q"
    static let phc256 = "$pbkdf2-sha256$i=2000,l=32$AAECAwQFBgcICQoLDA0ODw$PTZnCN/UlQSgVbTfFEzaoNOaLNeiHO3Cv1pikHVtt4Q"
    static let django = "pbkdf2_sha256$20000$Sd7wHcJqXyZ1aB2cD3eF4g$FD3i9bsgEVTnF7bVtuzjxuoOXX81CmbKsj0OtQy05AA="
    static let fields512 = ImportedPasswordFields(
        algorithm: "pbkdf2-sha512", iterations: 3000, salt: "000102030405060708090a0b0c0d0e0f",
        hash: "ab46fbdaf9654e82a2611a9648ec68df325aa62f1d86cbfe074ba9653d321aee0c9dbd0082a48df973b395d41ce002a2a8d6d95351f8b7d40f6dc9d4c0e61853",
        encoding: "hex")
    static let saltedPrefix = ImportedPasswordFields(
        algorithm: "salted-sha256", salt: "000102030405060708090a0b0c0d0e0f",
        hash: "4707f011c00b1bdf67bbc391f4e982957953f59c5858f0cb7b87bc9d846242c4", encoding: "hex", saltPosition: "prefix")
    static let saltedSuffix = ImportedPasswordFields(
        algorithm: "salted-sha512", salt: "AAECAwQFBgcICQoLDA0ODw==",
        hash: "oeVxGDbiEsat76VyjOGP1qD+/PC8qSsDbRWHTPJhbYSXZdBaRW/DCeK8MQWxOaQvVG7hm8HZgdr9ZYuICzZMEA==", saltPosition: "suffix")
    static let saltedText = ImportedPasswordFields(
        algorithm: "salted-sha256", salt: "pepper42", hash: "f450d2b5e45f84b28d16b82a0643d26393eb479ec07bd74f8796e7d420af3189",
        encoding: "hex", saltEncoding: "text", saltPosition: "suffix")
    static let argon2 = [
        "$argon2id$v=19$m=1024,t=2,p=1$AAECAwQFBgcICQoLDA0ODw$y2EsH71PG1ZVDWC2noonfvKwpNJH+bZBE4n9zVdS9xo",
        "$argon2i$v=19$m=1024,t=2,p=1$AAECAwQFBgcICQoLDA0ODw$n/Ic0+7Nb04tpyXzQf2ItevPcb6NTXYO7+QupK6iqg8",
        "$argon2d$v=19$m=1024,t=2,p=1$AAECAwQFBgcICQoLDA0ODw$60G6BQ9K8tiiBMrYAq4LR94GNFzdnQqgrOFc905TU68",
    ]

    @Test("passlib, PHC and Django PBKDF2 strings become the PHC form and verify the right password only",
          arguments: [passlib256, passlib512, phc256, django])
    func pbkdf2Strings(_ given: String) throws {
        let stored = try ImportedPasswordHash.normalize(given)
        #expect(stored.hasPrefix("$pbkdf2-sha256$i=") || stored.hasPrefix("$pbkdf2-sha512$i="))
        #expect(stored.split(separator: "$").suffix(2).allSatisfy { !$0.contains("=") }, "base64 without padding")
        #expect(ImportedPasswordHash.verify(Self.password, stored: stored) == true)
        #expect(ImportedPasswordHash.verify("correct horse batterz", stored: stored) == false)
        #expect(ImportedPasswordHash.verify("", stored: stored) == false)
        #expect(try ImportedPasswordHash.normalize(stored) == stored, "the stored form normalizes to itself")
    }

    @Test("the PHC form keeps the parameters: passlib's 29000 rounds and 32 bytes, standard base64")
    func passlibToPHC() throws {
        #expect(try ImportedPasswordHash.normalize(Self.passlib256)
            == "$pbkdf2-sha256$i=29000,l=32$AAECAwQFBgcICQoLDA0ODw$QKlCDPGRoLK139911fz4wmw+qxtasIBS/3PnV5Q49G0")
        #expect(try ImportedPasswordHash.normalize(Self.django).hasPrefix("$pbkdf2-sha256$i=20000,l=32$U2Q3d0hjSnFYeVoxYUIyY0QzZUY0Zw$"),
                "Django's salt text is base64 of its bytes in the PHC form")
    }

    @Test("PBKDF2 and salted SHA-2 fields verify the right password only",
          arguments: [fields512, saltedPrefix, saltedSuffix, saltedText])
    func fields(_ given: ImportedPasswordFields) throws {
        let stored = try ImportedPasswordHash.normalize(given)
        #expect(ImportedPasswordHash.verify(Self.password, stored: stored) == true)
        #expect(ImportedPasswordHash.verify(Self.password + " ", stored: stored) == false)
        #expect(try ImportedPasswordHash.normalize(stored) == stored)
    }

    @Test("the salted SHA form is documented: $salted-sha256$pos=prefix$salt$digest")
    func saltedForm() throws {
        #expect(try ImportedPasswordHash.normalize(Self.saltedPrefix)
            == "$salted-sha256$pos=prefix$AAECAwQFBgcICQoLDA0ODw$RwfwEcALG99nu8OR9OmClXlT9ZxYWPDLe4e8nYRiQsQ")
    }

    @Test("Argon2 and bcrypt strings are stored as given and left to their own hashers", arguments: argon2)
    func argon2Kept(_ given: String) throws {
        #expect(try ImportedPasswordHash.normalize(given) == given)
        #expect(ImportedPasswordHash.verify(Self.password, stored: given) == nil)
    }

    @Test("a bcrypt hash is stored as given; verify leaves it to bcrypt")
    func bcryptKept() async throws {
        let hash = try await BcryptPasswordHasher(cost: 4).hash(Self.password)
        #expect(try ImportedPasswordHash.normalize(hash) == hash)
        #expect(ImportedPasswordHash.verify(Self.password, stored: hash) == nil)
        #expect(throws: ImportedPasswordHash.Rejection.self) { try ImportedPasswordHash.normalize(String(hash.dropLast())) }
    }

    @Test("a tampered stored hash no longer verifies, or is refused")
    func tampered() throws {
        let stored = try ImportedPasswordHash.normalize(Self.phc256)
        let flipped = String(stored.dropLast()) + (stored.last == "A" ? "B" : "A")
        #expect(ImportedPasswordHash.verify(Self.password, stored: flipped) == false)
        let fewerRounds = stored.replacingOccurrences(of: "i=2000", with: "i=1999")
        #expect(ImportedPasswordHash.verify(Self.password, stored: fewerRounds) == false)
        let wrongLength = stored.replacingOccurrences(of: "l=32", with: "l=31")
        #expect(ImportedPasswordHash.verify(Self.password, stored: wrongLength) == false)
        #expect(throws: ImportedPasswordHash.Rejection.self) { try ImportedPasswordHash.normalize(wrongLength) }
        let salted = try ImportedPasswordHash.normalize(Self.saltedPrefix)
        let moved = salted.replacingOccurrences(of: "pos=prefix", with: "pos=suffix")
        #expect(ImportedPasswordHash.verify(Self.password, stored: moved) == false)
        #expect(ImportedPasswordHash.verify(Self.password, stored: "$salted-sha256$pos=middle$AAAA$BBBB") == false)
        #expect(ImportedPasswordHash.verify(Self.password, stored: "plain text") == nil)
    }

    @Test("absurd parameters are refused with the reason", arguments: [
        ("$pbkdf2-sha256$i=999,l=32$AAECAwQFBgcICQoLDA0ODw$PTZnCN/UlQSgVbTfFEzaoNOaLNeiHO3Cv1pikHVtt4Q", "999 iterations"),
        ("$pbkdf2-sha256$i=10000001,l=32$AAECAwQFBgcICQoLDA0ODw$PTZnCN/UlQSgVbTfFEzaoNOaLNeiHO3Cv1pikHVtt4Q", "10000001 iterations"),
        ("$pbkdf2-sha256$i=2000,l=32$AAECAw$PTZnCN/UlQSgVbTfFEzaoNOaLNeiHO3Cv1pikHVtt4Q", "the salt has 4 bytes"),
        ("$pbkdf2-sha256$i=2000,l=4$AAECAwQFBgcICQoLDA0ODw$PTZnCA", "the hash has 4 bytes"),
        ("$pbkdf2-sha256$i=2000$AAECAwQFBgcICQoLDA0ODw$PTZn*N", "malformed PBKDF2"),
        ("$argon2id$v=19$m=99999999,t=2,p=1$AAECAwQFBgcICQoLDA0ODw$y2EsH71PG1ZVDWC2noonfvKwpNJH+bZBE4n9zVdS9xo", "out of range"),
        ("$argon2id$v=18$m=1024,t=2,p=1$AAECAwQFBgcICQoLDA0ODw$y2EsH71PG1ZVDWC2noonfvKwpNJH+bZBE4n9zVdS9xo", "v=16 or v=19"),
        ("$argon2id$v=19$m=1024,t=2,p=1$AAECAw$y2EsH71PG1ZVDWC2noonfvKwpNJH+bZBE4n9zVdS9xo", "the salt has 4 bytes"),
        ("$argon2id$v=19$m=1024,t=2$AAECAwQFBgcICQoLDA0ODw$y2EsH71PG1ZVDWC2noonfvKwpNJH+bZBE4n9zVdS9xo", "m=<KiB>,t=<passes>,p=<lanes>"),
        ("$2b$99$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234", "malformed bcrypt"),
        ("5f4dcc3b5aa765d61d8327deb882cf99", "unknown password hash format"),
        ("$salted-sha256$pos=prefix$AAECAwQFBgcICQoLDA0ODw$AAECAw", "a sha256 digest has 32 bytes"),
    ])
    func refused(_ given: String, reason: String) {
        #expect {
            try ImportedPasswordHash.normalize(given)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }

    @Test("fields need their parameters, in a known encoding", arguments: [
        (ImportedPasswordFields(algorithm: "pbkdf2-sha256", salt: "AAECAwQFBgcICQoLDA0ODw", hash: "PTZnCN/UlQSgVbTfFEzaoNOaLNeiHO3Cv1pikHVtt4Q"),
         "need \"iterations\""),
        (ImportedPasswordFields(algorithm: "pbkdf2-sha256", iterations: 2000, salt: "zz", hash: "00", encoding: "hex"), "not valid hex"),
        (ImportedPasswordFields(algorithm: "pbkdf2-sha256", iterations: 2000, salt: "00", hash: "00", encoding: "base32"), "unknown encoding"),
        (ImportedPasswordFields(algorithm: "salted-sha256", salt: "AAECAwQFBgcICQoLDA0ODw", hash: "AA"), "salt_position"),
        (ImportedPasswordFields(algorithm: "md5", salt: "AA", hash: "AA"), "unknown password algorithm 'md5'"),
    ])
    func refusedFields(_ given: ImportedPasswordFields, reason: String) {
        #expect {
            try ImportedPasswordHash.normalize(given)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }
}

#!/usr/bin/env python3
"""Writes Tests/SSOWebAuthnTests/Fido2Vectors.swift: WebAuthn registrations and assertions built
by an independent implementation (Yubico's python-fido2 for CBOR, COSE keys, authenticator data,
client data and attestation objects; pyca/cryptography for keys, signatures and certificates),
which the Swift verifier must accept. python-fido2's own packed verifier checks the packed
statements here before they are written.

    python3 -m venv .venv && .venv/bin/pip install fido2==2.2.1
    .venv/bin/python Scripts/webauthn_vectors.py

The keys are new on every run, so the output differs each time; rerun only to change the vectors.
"""
import datetime
import hashlib
import os
import pathlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from fido2 import cbor, cose
from fido2.attestation import PackedAttestation
from fido2.webauthn import AttestationObject, AttestedCredentialData, AuthenticatorData, CollectedClientData

RP_ID = "example.com"
ORIGIN = "https://login.example.com"
CHALLENGE = bytes([0x2A]) * 32
AAGUID = bytes(range(16))
FLAGS = AuthenticatorData.FLAG
OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/SSOWebAuthnTests/Fido2Vectors.swift"


def sign(key, data):
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(data)


def client_data(kind):
    return CollectedClientData.create(type=kind, challenge=CHALLENGE, origin=ORIGIN)


def certificate(subject, issuer, public_key, signer, ca, aaguid=None):
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
               .serial_number(x509.random_serial_number()).not_valid_before(now)
               .not_valid_after(now + datetime.timedelta(days=36500))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
    if aaguid is not None:
        builder = builder.add_extension(
            x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.45724.1.1.4"), b"\x04\x10" + aaguid), critical=False)
    return builder.sign(signer, hashes.SHA256())


def vectors():
    rp_hash = hashlib.sha256(RP_ID.encode()).digest()
    out = {}
    for name, key in [("es256", ec.generate_private_key(ec.SECP256R1())), ("eddsa", ed25519.Ed25519PrivateKey.generate()),
                      ("rs256", rsa.generate_private_key(65537, 2048))]:
        cose_key = cose.CoseKey.for_alg({"es256": -7, "eddsa": -8, "rs256": -257}[name]).from_cryptography_key(key.public_key())
        credential_id = os.urandom(32)
        created = client_data(CollectedClientData.TYPE.CREATE)
        auth_data = AuthenticatorData.create(rp_hash, FLAGS.UP | FLAGS.UV | FLAGS.AT, 0,
                                             AttestedCredentialData.create(AAGUID, credential_id, cose_key))
        signed = bytes(auth_data) + created.hash
        if name == "eddsa":
            attestation = AttestationObject.create("none", auth_data, {})
        else:
            statement = {"alg": cose_key.ALGORITHM, "sig": sign(key, signed)}
            PackedAttestation().verify(statement, auth_data, created.hash)
            attestation = AttestationObject.create("packed", auth_data, statement)
        got = client_data(CollectedClientData.TYPE.GET)
        assertion_data = AuthenticatorData.create(rp_hash, FLAGS.UP | FLAGS.UV, 1)
        out[name] = {
            "credentialID": credential_id, "publicKey": cbor.encode(dict(cose_key)), "createClientData": bytes(created),
            "attestationObject": bytes(attestation), "getClientData": bytes(got), "authenticatorData": bytes(assertion_data),
            "signature": sign(key, bytes(assertion_data) + got.hash),
        }

    # Packed full attestation: a root, and an attestation certificate that section 8.2.1 allows.
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "python-fido2 Vector Root")])
    root = certificate(root_name, root_name, root_key.public_key(), root_key, ca=True)
    attestation_key = ec.generate_private_key(ec.SECP256R1())
    leaf = certificate(x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "SE"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Vector Vendor"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Authenticator Attestation"),
        x509.NameAttribute(NameOID.COMMON_NAME, "Vector Authenticator"),
    ]), root_name, attestation_key.public_key(), root_key, ca=False, aaguid=AAGUID)
    credential_key = ec.generate_private_key(ec.SECP256R1())
    cose_key = cose.ES256.from_cryptography_key(credential_key.public_key())
    credential_id = os.urandom(16)
    created = client_data(CollectedClientData.TYPE.CREATE)
    auth_data = AuthenticatorData.create(rp_hash, FLAGS.UP | FLAGS.AT | FLAGS.BE, 0,
                                         AttestedCredentialData.create(AAGUID, credential_id, cose_key))
    statement = {"alg": -7, "sig": sign(attestation_key, bytes(auth_data) + created.hash),
                 "x5c": [leaf.public_bytes(Encoding.DER)]}
    PackedAttestation().verify(statement, auth_data, created.hash)
    out["packedFull"] = {
        "credentialID": credential_id, "publicKey": cbor.encode(dict(cose_key)), "createClientData": bytes(created),
        "attestationObject": bytes(AttestationObject.create("packed", auth_data, statement)),
        "root": root.public_bytes(Encoding.DER),
    }
    return out


def main():
    lines = [
        "// Written by Scripts/webauthn_vectors.py from python-fido2 2.2.1 and pyca/cryptography; do not edit.",
        "",
        "/// Registrations and assertions built by an independent WebAuthn implementation.",
        "enum Fido2Vectors {",
    ]
    for name, fields in vectors().items():
        lines.append(f"    static let {name}: [String: String] = [")
        for field, value in fields.items():
            lines.append(f'        "{field}": "{value.hex()}",')
        lines.append("    ]")
    lines.append("}")
    OUTPUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()

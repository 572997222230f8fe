#!/usr/bin/env python3
"""Prints the imported-password test vectors of Tests/SSOPasswordsTests/ImportedPasswordHashTests.swift.

Run with passlib and argon2-cffi installed (`pip install passlib argon2-cffi`). Salts are fixed, so
every line is the same on every run. Django's hasher is re-implemented with hashlib.pbkdf2_hmac (as
django.contrib.auth.hashers.PBKDF2PasswordHasher computes it: the salt's text is its bytes).
"""
import base64
import hashlib
import json

import argon2
from passlib.hash import pbkdf2_sha256, pbkdf2_sha512

PASSWORD = "correct horse battery"
SALT = bytes(range(16))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


print("passlib sha256:", pbkdf2_sha256.using(rounds=29000, salt=SALT).hash(PASSWORD))
print("passlib sha512:", pbkdf2_sha512.using(rounds=25000, salt=SALT).hash(PASSWORD))

phc = hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), SALT, 2000, 32)
print("phc sha256:", f"$pbkdf2-sha256$i=2000,l=32${b64(SALT)}${b64(phc)}")

django_salt = "Sd7wHcJqXyZ1aB2cD3eF4g"
django = hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), django_salt.encode(), 20000)
print("django:", f"pbkdf2_sha256$20000${django_salt}${base64.b64encode(django).decode()}")

fields = hashlib.pbkdf2_hmac("sha512", PASSWORD.encode(), SALT, 3000, 64)
print("fields sha512 hex:", json.dumps({"algorithm": "pbkdf2-sha512", "iterations": 3000,
                                         "salt": SALT.hex(), "hash": fields.hex(), "encoding": "hex"}))

salted_prefix = hashlib.sha256(SALT + PASSWORD.encode()).digest()
print("salted sha256 prefix hex:", json.dumps({"algorithm": "salted-sha256", "salt_position": "prefix",
                                                "salt": SALT.hex(), "hash": salted_prefix.hex(), "encoding": "hex"}))
salted_suffix = hashlib.sha512(PASSWORD.encode() + SALT).digest()
print("salted sha512 suffix base64:", json.dumps({"algorithm": "salted-sha512", "salt_position": "suffix",
                                                   "salt": base64.b64encode(SALT).decode(),
                                                   "hash": base64.b64encode(salted_suffix).decode()}))
salted_text = hashlib.sha256(PASSWORD.encode() + b"pepper42").digest()
print("salted sha256 text salt:", json.dumps({"algorithm": "salted-sha256", "salt_position": "suffix",
                                               "salt": "pepper42", "salt_encoding": "text",
                                               "hash": salted_text.hex(), "encoding": "hex"}))

low = argon2.low_level
for kind in (low.Type.ID, low.Type.I, low.Type.D):
    print(f"argon2 {kind.name}:", low.hash_secret(PASSWORD.encode(), SALT, time_cost=2, memory_cost=1024,
                                                   parallelism=1, hash_len=32, type=kind).decode())

#!/bin/sh
# The protected application: prints, one per line, what mod_auth_openidc handed it.
printf 'Content-Type: text/plain\r\n\r\n'
env | grep -E '^(OIDC_|REMOTE_USER=)' | LC_ALL=C sort

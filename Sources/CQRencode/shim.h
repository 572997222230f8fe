// The system's libqrencode (Debian: libqrencode-dev): QR codes for TOTP enrolment, drawn on the server.
#include <qrencode.h>

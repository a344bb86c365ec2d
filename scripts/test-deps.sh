#!/usr/bin/env bash
# Installs what the test suite needs and a fresh machine of this kind may
# lack: PostgreSQL's server binaries (tests start their own cluster),
# Chromium for the browser tests, Node.js and npm for the web build (and
# the FHIR schema validation), poppler-utils (pdftoppm, pdftotext) for the
# PDF tests, dcmtk and libgdcm-tools for the DICOM tests (they convert test
# images into every transfer syntax and write a DICOMDIR), sqlite3 for the
# web app's protocol tamper test (web/test/protokoll.test.mjs).
# Go modules and test-only Go tools are fetched by the go command itself.
set -euo pipefail
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
{ command -v pdftoppm && command -v pdftotext; } >/dev/null 2>&1 || need+=(poppler-utils)
for tool in dcmodify dcmconv dcmcjpeg dcmcjpls dcmcrle dcmmkdir dcmdump; do
  command -v "$tool" >/dev/null 2>&1 || { need+=(dcmtk); break; }
done
command -v gdcmconv >/dev/null 2>&1 || need+=(libgdcm-tools)
# sqlite3 edits a running server's database in the browser tamper test.
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}" >&2
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

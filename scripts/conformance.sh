#!/usr/bin/env bash
# Runs schemathesis against the API as its OpenAPI document describes it: the demo server on a
# free port with a fresh data folder, a staff login, every check. Not part of .ci/run.
#
#   scripts/conformance.sh                      # release build, every check, default budget
#   CONFORMANCE_PROFILE=dev scripts/conformance.sh --max-examples 20
#   SCHEMATHESIS=/path/to/venv/bin/schemathesis scripts/conformance.sh --include-tag needs
#
# Extra arguments go to `schemathesis run`. Needs schemathesis 4 (`pip install schemathesis`).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

schemathesis=${SCHEMATHESIS:-schemathesis}
if ! command -v "$schemathesis" >/dev/null; then
    echo "schemathesis not found: pip install schemathesis (or set SCHEMATHESIS=...)" >&2
    exit 2
fi

profile=${CONFORMANCE_PROFILE:-release}
cargo build --quiet --profile "$profile" -p peitao
case $profile in
    dev) bin=$root/target/debug/peitao ;;
    *) bin=$root/target/$profile/peitao ;;
esac

data=$(mktemp -d -t peitao-conformance-XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
(
    cd "$data"
    exec env PEITAO__SERVER__PORT="$port" PEITAO__SERVER__PUBLIC_URL="$base" \
        PEITAO__AUTH__ACCESS_TOKEN_MINUTES=60 PEITAO__LOG__FILTER="${PEITAO__LOG__FILTER:-warn}" \
        "$bin" serve --demo
) >"$data/server.log" 2>&1 &
server=$!
cleanup() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    if [ -n "${KEEP_DATA:-}" ]; then echo "data and server log kept in $data" >&2; else rm -rf "$data"; fi
}
trap cleanup EXIT

for _ in $(seq 1 120); do
    curl -fs "$base/readyz" >/dev/null 2>&1 && break
    if ! kill -0 "$server" 2>/dev/null; then
        cat "$data/server.log" >&2
        exit 1
    fi
    sleep 1
done

# The demo prints its logins; the staff one is the last, the password on the header line.
password=$(sed -n 's/.*password 密码: \(.*\)):.*/\1/p' "$data/server.log" | head -1)
staff=$(sed -n 's/.*staff  : \(.*\)$/\1/p' "$data/server.log" | head -1)
token=$(curl -fs "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\": \"$staff\", \"password\": \"$password\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

# Relative paths (--report-dir ...) stay relative to where the script was started.
status=0
"$schemathesis" run "$base/api/v1/openapi.json" --checks all \
    -H "Authorization: Bearer $token" "$@" || status=$?
rm -rf "$root/.schemathesis"
if grep -q "panicked" "$data/server.log"; then
    echo "the server panicked during the run:" >&2
    grep -A3 "panicked" "$data/server.log" >&2
fi
exit $status

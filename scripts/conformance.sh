#!/usr/bin/env bash
# Runs schemathesis against the API as its OpenAPI document describes it: the demo server on a
# free port with a fresh data folder, the demo logins, ids from the seeded world, every check.
# The configuration (seed, budget, which login and ids each operation uses, the statuses
# accepted) is scripts/conformance/schemathesis.toml, with one extra check in
# scripts/conformance/hooks.py; docs/api-spec.md ("Conformance") says why. .ci/run's
# conformance step runs it; it exits non-zero on any failure, or if the server panicked.
#
#   scripts/conformance.sh                      # release build
#   CONFORMANCE_PROFILE=dev scripts/conformance.sh --max-examples 5
#   SCHEMATHESIS=/path/to/venv/bin/schemathesis scripts/conformance.sh --include-tag needs
#
# Extra arguments go to `schemathesis run` (after the config file's settings). Needs
# schemathesis 4.32.5 (`pip install schemathesis==4.32.5`; .ci/run installs it).
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

# The demo prints its logins and their one password (on the header line).
password=$(sed -n 's/.*password 密码: \(.*\)):.*/\1/p' "$data/server.log" | head -1)
login_of() { sed -n "s/.*$1 *: \(.*\)$/\1/p" "$data/server.log" | head -1; }
token_of() {
    curl -fs "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
        -d "{\"email\": \"$(login_of "$1")\", \"password\": \"$password\"}" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}
PEITAO_STAFF_TOKEN=$(token_of staff)
PEITAO_OEM_TOKEN=$(token_of OEM)
PEITAO_SUPPLIER_TOKEN=$(token_of supplier)
export PEITAO_STAFF_TOKEN PEITAO_OEM_TOKEN PEITAO_SUPPLIER_TOKEN

# Ids from the seeded world for the operations that take one (schemathesis.toml), so they reach
# their logic instead of a 404. What the demo lacks (an event, an import, an attachment)
# is made here, the way a client would.
# get TOKEN PATH EXPR: a GET's JSON answer, read with the Python expression EXPR (`d` is the body).
get() {
    curl -fs -H "Authorization: Bearer $1" "$base/api/v1/$2" | python3 -c "import json, sys; d = json.load(sys.stdin); print($3)"
}
send() { # send TOKEN METHOD PATH CURL-ARGS... : prints the answer's id
    local token=$1 method=$2 path=$3
    shift 3
    curl -fs -X "$method" -H "Authorization: Bearer $token" "$base/api/v1/$path" "$@" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'
}
oem_org=$(get "$PEITAO_OEM_TOKEN" me 'd["organization_id"]')
supplier_org=$(get "$PEITAO_SUPPLIER_TOKEN" me 'd["organization_id"]')
export PEITAO_OEM_ORG=$oem_org
export PEITAO_NEED=$(get "$PEITAO_OEM_TOKEN" "needs?organization=$oem_org" 'd["items"][0]["id"]')
export PEITAO_CAPABILITY=$(get "$PEITAO_SUPPLIER_TOKEN" "capabilities?organization=$supplier_org" 'd["items"][0]["id"]')
# Another firm for staff's organization operations (suspending a demo login's firm would lock
# that login out), and one of its plain members (an owner cannot be removed).
read -r PEITAO_ORG PEITAO_MEMBER < <(python3 - "$base/api/v1" "$PEITAO_STAFF_TOKEN" "$supplier_org" <<'PY'
import json, sys, urllib.request
api, token, skip = sys.argv[1:]
def get(path):
    req = urllib.request.Request(api + path, headers={"Authorization": "Bearer " + token})
    return json.load(urllib.request.urlopen(req))
for org in get("/organizations?kind=supplier&limit=100")["items"]:
    members = get(f"/organizations/{org['id']}/members")["items"]
    plain = [m["id"] for m in members if m.get("org_role") == "member"]
    if org["id"] != skip and plain:
        print(org["id"], plain[0])
        break
PY
)
export PEITAO_ORG PEITAO_MEMBER
export PEITAO_PROPOSED_MATCH=$(get "$PEITAO_STAFF_TOKEN" moderation/matches 'd["items"][0]["id"]')
export PEITAO_MATCH=$(get "$PEITAO_OEM_TOKEN" "matches?status=approved" 'd["items"][0]["id"]')
export PEITAO_SUPPLIER_MATCH=$(get "$PEITAO_SUPPLIER_TOKEN" "matches?status=approved" 'd["items"][0]["id"]')
export PEITAO_NOTIFICATION=$(get "$PEITAO_OEM_TOKEN" notifications 'd["items"][0]["id"]')
zone=$(get "$PEITAO_STAFF_TOKEN" zones 'd[0]["code"]')
category=$(get "$PEITAO_STAFF_TOKEN" categories 'd[-1]["code"]')
export PEITAO_EVENT=$(send "$PEITAO_STAFF_TOKEN" POST events -H 'Content-Type: application/json' \
    -d "{\"title\": \"一致性测试对接会\", \"date\": \"2030-03-01\", \"place\": \"重庆\", \"zone_code\": \"$zone\", \"category_codes\": [\"$category\"]}")
# The demo supplier is invited, so its attendance can be registered and cancelled.
curl -fs -o /dev/null -X POST -H "Authorization: Bearer $PEITAO_STAFF_TOKEN" -H 'Content-Type: application/json' \
    "$base/api/v1/events/$PEITAO_EVENT/invitations" -d "{\"by\": \"organizations\", \"organization_ids\": [\"$supplier_org\"]}"
export PEITAO_IMPORT=$(printf 'name,credit_code,kind,region_code,contact_email,categories\n' |
    send "$PEITAO_STAFF_TOKEN" POST "imports/organizations?dry_run=true" -H 'Content-Type: text/csv' --data-binary @-)
printf '%%PDF-1.4\n%%%%EOF\n' >"$data/spec.pdf"
export PEITAO_ATTACHMENT=$(send "$PEITAO_OEM_TOKEN" POST "needs/$PEITAO_NEED/attachments" \
    -F "file=@$data/spec.pdf;type=application/pdf;filename=spec.pdf")
export PEITAO_CONFORMANCE_HOOKS=$root/scripts/conformance/hooks.py
for name in PEITAO_STAFF_TOKEN PEITAO_OEM_TOKEN PEITAO_SUPPLIER_TOKEN PEITAO_OEM_ORG PEITAO_NEED \
    PEITAO_CAPABILITY PEITAO_ORG PEITAO_MEMBER PEITAO_PROPOSED_MATCH PEITAO_MATCH PEITAO_SUPPLIER_MATCH \
    PEITAO_NOTIFICATION PEITAO_EVENT PEITAO_IMPORT PEITAO_ATTACHMENT; do
    if [ -z "${!name}" ]; then
        echo "could not set up $name from the demo world; server log: $data/server.log" >&2
        KEEP_DATA=1
        exit 1
    fi
done

# Relative paths (--report-dir ...) stay relative to where the script was started.
# Hypothesis leaves a cache folder where it runs; remove it unless it was there before.
[ -e "$root/.hypothesis" ] && keep_hypothesis=1 || keep_hypothesis=0
status=0
"$schemathesis" --config-file "$root/scripts/conformance/schemathesis.toml" \
    run "$base/api/v1/openapi.json" --checks all "$@" || status=$?
rm -rf "$root/.schemathesis"
[ "$keep_hypothesis" = 1 ] || rm -rf "$root/.hypothesis"
if grep -q "panicked" "$data/server.log"; then
    echo "the server panicked during the run:" >&2
    grep -A3 "panicked" "$data/server.log" >&2
    status=1
fi
exit $status

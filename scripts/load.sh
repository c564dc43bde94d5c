#!/usr/bin/env bash
# Load test of the main read and write paths, beside this machine's own ceilings measured in the
# same run: `pgbench -S` (PostgreSQL's read-only TPC-B-like transactions) and a hello-world request
# (GET /healthz: HTTP with no database). Prints one table row per measurement, in Markdown.
#
#   scripts/load.sh sqlite   [seconds]        # a fresh SQLite file in a temp folder
#   scripts/load.sh postgres [seconds]        # fresh databases on $PG (dropped afterwards)
#
# The world: the demo (for its logins) plus `seed --synthetic $SUPPLIERS --synthetic-needs $NEEDS`,
# matched by `peitao rematch`. The server is the release build with its worker on (mail to files).
# A single load generator counts as one IP, so the script raises `auth.ip_max_requests` (the
# per-IP limit on logins) for its server; nothing else is changed from the defaults.
#
# Runs (wrk, $CONNECTIONS connections, 2 threads, a 3 s warm-up each):
#   ceiling pgbench -S   pgbench -S -M prepared -c $CONNECTIONS -j 2 on the same PostgreSQL
#   ceiling hello        GET /healthz
#   read matches         GET /api/v1/needs/{id}/matches as staff, over 100 needs
#   read need            GET /api/v1/needs/{id} as staff
#   read capabilities    GET /api/v1/capabilities?limit=20 (the public directory's first page)
#   write need           POST /api/v1/needs as the demo OEM: validated, stored, audited and matched
#                        against every capability in one transaction, 201 with the need
#   login alone          POST /api/v1/auth/login at about $LOGIN_RATE/s (argon2id, OWASP cost)
#   read matches paced   the matches reads with a $READ_PAUSE_MS ms pause per connection between
#                        requests (a steady rate, not a saturated machine), alone and then with
#                        the logins beside them
#
# Needs wrk (Debian: apt-get install wrk), pgbench and psql (postgresql-client), curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

backend=${1:?usage: scripts/load.sh sqlite|postgres [seconds]}
duration=${2:-15}
connections=${CONNECTIONS:-32}
suppliers=${SUPPLIERS:-20000}
needs=${NEEDS:-1000}
login_rate=${LOGIN_RATE:-50}
pg=${PG:-postgres://postgres@127.0.0.1:5432}

for tool in wrk pgbench psql curl python3; do
    command -v "$tool" >/dev/null || { echo "load: $tool not found" >&2; exit 2; }
done
cargo build --quiet --release -p peitao
bin=$root/target/release/peitao

data=$(mktemp -d -t peitao-load-XXXXXX)
bench_db=pgbench_load_$$
app_db=peitao_load_$$
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    psql "$pg/postgres" -Xq -c "DROP DATABASE IF EXISTS $bench_db WITH (FORCE)" 2>/dev/null || true
    psql "$pg/postgres" -Xq -c "DROP DATABASE IF EXISTS $app_db WITH (FORCE)" 2>/dev/null || true
    rm -rf "$data"
}
trap cleanup EXIT

case $backend in
    sqlite) url="sqlite://$data/peitao.db?mode=rwc" ;;
    postgres)
        psql "$pg/postgres" -Xq -c "CREATE DATABASE $app_db"
        url="$pg/$app_db"
        ;;
    *) echo "load: backend is sqlite or postgres" >&2; exit 2 ;;
esac

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
export PEITAO__DATABASE__URL=$url PEITAO__SERVER__PORT=$port PEITAO__SERVER__PUBLIC_URL=$base \
    PEITAO__MAIL__FILE_DIR=$data/mail PEITAO__ATTACHMENTS__DIR=$data/attachments \
    PEITAO__AUTH__IP_MAX_REQUESTS=1000000 PEITAO__AUTH__ACCESS_TOKEN_MINUTES=60 \
    PEITAO__LOG__FILTER=${PEITAO__LOG__FILTER:-warn}

echo "load: seeding ($backend, $suppliers suppliers, $needs needs)..." >&2
"$bin" seed --demo --synthetic "$suppliers" --synthetic-needs "$needs" --rng-seed 7 >"$data/seed.log"
"$bin" rematch >>"$data/seed.log"
password=$(sed -n 's/.*password 密码: \(.*\)):.*/\1/p' "$data/seed.log" | head -1)
staff=$(sed -n 's/.*staff  : \(.*\)$/\1/p' "$data/seed.log" | head -1)
oem=$(sed -n 's/.*OEM      : \(.*\)$/\1/p' "$data/seed.log" | head -1)

(cd "$data" && exec "$bin" serve) >"$data/server.log" 2>&1 &
server=$!
for _ in $(seq 1 120); do
    curl -fs "$base/readyz" >/dev/null 2>&1 && break
    kill -0 "$server" 2>/dev/null || { cat "$data/server.log" >&2; exit 1; }
    sleep 1
done

login_body() { printf '{"email": "%s", "password": "%s"}' "$1" "$password"; }
token_of() {
    curl -fs "$base/api/v1/auth/login" -H 'Content-Type: application/json' -d "$(login_body "$1")" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}
staff_token=$(token_of "$staff")
oem_token=$(token_of "$oem")
need_ids=$(curl -fs "$base/api/v1/needs?limit=100" -H "Authorization: Bearer $staff_token" |
    python3 -c 'import json, sys; print(" ".join(n["id"] for n in json.load(sys.stdin)["items"]))')

# One Lua file per run: the request, then a line "RESULT rate p50 p95 p99 errors" at the end.
report_lua='
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %.0f %.2f %.2f %.2f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, errors))
end'
lua_get_rotating() { # path-prefix path-suffix token ids...
    local prefix=$1 suffix=$2 token=$3
    shift 3
    printf 'local ids = {'
    printf '"%s",' "$@"
    printf '}\nlocal i = 0\nrequest = function()\n  i = i %% #ids + 1\n'
    printf '  return wrk.format("GET", "%s" .. ids[i] .. "%s", {["Authorization"] = "Bearer %s"})\nend\n' \
        "$prefix" "$suffix" "$token"
    echo "$report_lua"
}
lua_get() { # path: no login
    printf 'request = function()\n  return wrk.format("GET", "%s")\nend\n' "$1"
    echo "$report_lua"
}
lua_new_need() {
    cat <<LUA
local n = 0
local sop = os.date("!%Y-%m-%d", os.time() + 300 * 86400)
local respond = os.date("!%Y-%m-%d", os.time() + 30 * 86400)
local categories = {"EDRIVE.BATTERY.PACK", "EDRIVE.AXLE", "CHASSIS.BRAKE", "CHASSIS.STEER", "EDRIVE.BATTERY.BMS"}
request = function()
  n = n + 1
  local body = string.format('{"category_code": "%s", "title": "压测需求 %d 冲压件年度定点", '
    .. '"description": "负载测试生成的需求：铝合金冲压件，年产 %d 套，需 IATF16949。", '
    .. '"delivery_region_code": "500112", "annual_volume": %d, "unit": "套", '
    .. '"sop_date": "%s", "respond_by": "%s"}',
    categories[n % #categories + 1], n, 1000 + n, 1000 + n, sop, respond)
  return wrk.format("POST", "/api/v1/needs", {["Authorization"] = "Bearer $oem_token",
    ["Content-Type"] = "application/json"}, body)
end
LUA
    echo "$report_lua"
}
# Logins at about $login_rate/s: each connection waits between requests (wrk's delay()), so the
# rate is connections / (wait + latency), the latency taken as $LOGIN_LATENCY_MS; the measured
# rate is printed.
lua_login() {
    local conns=$1
    local wait_ms=$((conns * 1000 / login_rate - ${LOGIN_LATENCY_MS:-45}))
    cat <<LUA
request = function()
  return wrk.format("POST", "/api/v1/auth/login", {["Content-Type"] = "application/json"},
    '$(login_body "$oem")')
end
delay = function() return $wait_ms end
LUA
    echo "$report_lua"
}

results=$data/results
: >"$results"
# run NAME CONNECTIONS LUA-FILE [SECONDS [WARM-UP]]: a warm-up, then the measured run; appends
# "NAME rate p50 p95 p99 errors".
run() {
    local name=$1 conns=$2 lua=$3 secs=${4:-$duration} warm=${5:-3}
    [ "$warm" -gt 0 ] && wrk -t2 -c"$conns" -d"${warm}s" -s "$lua" "$base" >/dev/null
    local line
    line=$(wrk -t2 -c"$conns" -d"${secs}s" -s "$lua" "$base" | sed -n 's/^RESULT //p')
    echo "$name $line" | tee -a "$results" >&2
}

lua() { local f=$data/$1.lua; shift; "$@" >"$f"; echo "$f"; }

# Ceilings first, on the same machine and in the same minute as the rest.
psql "$pg/postgres" -Xq -c "CREATE DATABASE $bench_db"
pgbench -q -i -s 10 "$pg/$bench_db" >/dev/null 2>&1
tps=$(pgbench -n -S -M prepared -c "$connections" -j 2 -T "$duration" "$pg/$bench_db" 2>/dev/null |
    sed -n 's/^tps = \([0-9.]*\) .*/\1/p')
echo "ceiling_pgbench_S ${tps%.*} - - - 0" | tee -a "$results" >&2
psql "$pg/postgres" -Xq -c "DROP DATABASE $bench_db WITH (FORCE)"

run ceiling_hello "$connections" "$(lua hello lua_get /healthz)"
# shellcheck disable=SC2086
run read_matches "$connections" "$(lua matches lua_get_rotating /api/v1/needs/ /matches "$staff_token" $need_ids)"
# shellcheck disable=SC2086
run read_need "$connections" "$(lua need lua_get_rotating /api/v1/needs/ "" "$staff_token" $need_ids)"
run read_capabilities "$connections" "$(lua capabilities lua_get '/api/v1/capabilities?limit=20')"
run write_need "$connections" "$(lua new_need lua_new_need)"
login_conns=$(( login_rate * 2 / 5 > 1 ? login_rate * 2 / 5 : 1 ))
login_lua=$(lua login lua_login "$login_conns")
run login_alone "$login_conns" "$login_lua"
# Logins beside other traffic: the matches reads paced to a steady rate (each connection pauses
# $read_pause_ms between requests: a busy day, not a saturated machine), alone and then with
# the logins running beside them for the same time. Their p99 is the one that must not double.
read_pause_ms=${READ_PAUSE_MS:-10}
paced_lua=$data/paced.lua
{ cat "$data/matches.lua"; echo "delay = function() return $read_pause_ms end"; } >"$paced_lua"
run read_matches_paced "$connections" "$paced_lua"
(sleep 1; run login_beside_reads "$login_conns" "$login_lua" "$((duration - 2))" 0) &
logins=$!
run read_matches_paced_with_logins "$connections" "$paced_lua" "$duration" 0
wait "$logins"

# The table.
python3 - "$results" "$backend" "$connections" "$suppliers" "$needs" <<'PY'
import sys
path, backend, conns, suppliers, needs = sys.argv[1:]
rows = {}
for line in open(path):
    name, rate, p50, p95, p99, errors = line.split()
    rows[name] = (rate, p50, p95, p99, errors)
ceiling = float(rows["ceiling_pgbench_S"][0])
print(f"\n{backend}: {suppliers} suppliers, {needs} synthetic needs, {conns} connections\n")
print("| run | requests/s | p50 ms | p95 ms | p99 ms | errors | of pgbench -S |")
print("|---|---|---|---|---|---|---|")
for name, (rate, p50, p95, p99, errors) in rows.items():
    share = f"{float(rate) / ceiling * 100:.0f} %" if ceiling else "-"
    print(f"| {name} | {rate} | {p50} | {p95} | {p99} | {errors} | {share} |")
PY
if grep -q panicked "$data/server.log"; then
    echo "load: the server panicked:" >&2
    grep -A3 panicked "$data/server.log" >&2
    exit 1
fi

#!/usr/bin/env bash
# Load test of GET /api/v1/needs/{id}/matches with wrk: staff token, 64 connections, rotating
# over needs that have proposals. Needs a running server (release) on $BASE with a seeded world
# (`peitao seed --synthetic 500000 --synthetic-needs 10000` then `peitao rematch`) and a staff
# account (`peitao staff create`), and wrk (Debian: apt-get install wrk).
#
#   BASE=http://127.0.0.1:8080 EMAIL=bench@assoc.example.cn PASSWORD='...' NEEDS=needs.txt \
#     scripts/matches_load.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
BASE=${BASE:-http://127.0.0.1:8080}
SECONDS_=${1:-20}
CONNECTIONS=${2:-64}
TOKEN=$(curl -sf -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
LUA=$(mktemp --suffix=.lua)
trap 'rm -f "$LUA"' EXIT
{
  echo 'local ids = {}'
  while read -r id; do [ -n "$id" ] && echo "ids[#ids+1] = \"$id\""; done < "$NEEDS"
  cat <<LUA
local i = 0
request = function()
  i = i % #ids + 1
  return wrk.format("GET", "/api/v1/needs/" .. ids[i] .. "/matches", {["Authorization"] = "Bearer $TOKEN"})
end
LUA
} > "$LUA"
curl -sf -o /dev/null -w 'one request: %{http_code} %{size_download} bytes\n' \
  -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/needs/$(head -1 "$NEEDS")/matches"
# A warm-up pass first: the figures are for a running server, not for its first cold reads.
wrk -t2 -c"$CONNECTIONS" -d5s -s "$LUA" "$BASE" > /dev/null
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_}s" --latency -s "$LUA" "$BASE"

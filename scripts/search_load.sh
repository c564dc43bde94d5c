#!/usr/bin/env bash
# Search load: 16 concurrent clients asking GET /api/v1/capabilities?q=... of a running server,
# rotating through queries that match from ~8 % to ~100 % of a synthetic world's capabilities,
# some with filters. Prints wrk's latency distribution (p50/p90/p99) and the p95 it computes.
#
#   scripts/search_load.sh [base_url] [duration] [connections]
#   scripts/search_load.sh http://127.0.0.1:8080 30s 16
#
# Needs wrk (Debian: apt-get install -y wrk). Figures and how the world was made: docs/performance.md.
set -euo pipefail
base=${1:-http://127.0.0.1:8080}
duration=${2:-30s}
connections=${3:-16}
lua=$(mktemp --suffix=.lua)
trap 'rm -f "$lua"' EXIT
cat >"$lua" <<'LUA'
-- Percent-encoded: 冲压, 压铸, 注塑 焊接, synthetic (all rows), 压铸 in one zone, verified 冲压,
-- 配套 能力 (all rows, two terms), "stamping" (no synthetic row: an empty answer), 冲压 page 2.
local queries = {
  "q=%E5%86%B2%E5%8E%8B",
  "q=%E5%8E%8B%E9%93%B8",
  "q=%E6%B3%A8%E5%A1%91%20%E7%84%8A%E6%8E%A5",
  "q=synthetic",
  "q=%E5%8E%8B%E9%93%B8&zone=CHENGYU",
  "q=%E5%86%B2%E5%8E%8B&verified=true&limit=50",
  "q=%E9%85%8D%E5%A5%97%20%E8%83%BD%E5%8A%9B",
  "q=stamping",
  "q=%E5%86%B2%E5%8E%8B&category=EDRIVE",
}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/api/v1/capabilities?" .. queries[(n % #queries) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("requests %d, errors %d (status %d, timeout %d)\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.errors.timeout))
  for _, p in ipairs({50, 90, 95, 99}) do
    io.write(string.format("p%d %.1f ms\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("max %.1f ms\n", latency.max / 1000))
end
LUA
# Warm up (the first requests of each query touch cold pages).
wrk -t2 -c"$connections" -d5s -s "$lua" "$base" >/dev/null
wrk -t2 -c"$connections" -d"$duration" --latency -s "$lua" "$base"

#!/usr/bin/env bash
# Whole processes, side by side, against one sandbox with N invoices (default 20000):
#   zbsql exporting SELECT * FROM Invoices as CSV, and the same paginated read in Python
#   (benches/books_scan.py, urllib + json); then the peak RSS of zbsql exporting 100,000
#   invoices to CSV (target: <= 64 MB). Uses the release build: cargo build --release first.
# Run: bash benches/books_scan.sh [N] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20000}
RUNS=${2:-5}
ZBSQL=target/release/zbsql
[ -x "$ZBSQL" ] || { echo "build first: cargo build --release" >&2; exit 2; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
OUT=$(mktemp)
ZOHO_SANDBOX_INVOICE_COUNT=$N "$ZBSQL" --serve-sandbox "127.0.0.1:$PORT" > "$OUT" &
SANDBOX=$!
trap 'kill $SANDBOX 2>/dev/null; rm -f "$OUT"' EXIT
for _ in $(seq 50); do grep -q "listening" "$OUT" && break; sleep 0.1; done
BASE="http://127.0.0.1:$PORT"
TOKEN=$(curl -s -X POST "$BASE/__sandbox/mint-tokens" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
CONN="AccountsServer=$BASE;OAuthAccessToken=$TOKEN;OrganizationId=10234695"
# Warm the sandbox's generated data.
"$ZBSQL" "$CONN" --format csv -c "SELECT COUNT(*) FROM Invoices" > /dev/null

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_of() { # command... -> wall seconds
    local start end
    start=$(date +%s.%N); "$@" > /dev/null; end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}
zb=(); py=()
for _ in $(seq "$RUNS"); do
    zb+=("$(time_of "$ZBSQL" "$CONN" --format csv -c "SELECT * FROM Invoices")")
    py+=("$(time_of python3 benches/books_scan.py "$BASE" "$TOKEN" 10234695)")
done
ZB=$(printf '%s\n' "${zb[@]}" | median)
PY=$(printf '%s\n' "${py[@]}" | median)
printf 'SELECT * FROM Invoices, %s invoices, median of %s: zbsql %.3f s, Python urllib+json %.3f s, Python/zbsql %.2fx (target >= 3)\n' \
    "$N" "$RUNS" "$ZB" "$PY" "$(echo "$PY / $ZB" | bc -l)"

kill $SANDBOX; wait $SANDBOX 2>/dev/null || true
# Peak memory of zbsql exporting 100,000 invoices to CSV (the sandbox in its own process).
ZOHO_SANDBOX_INVOICE_COUNT=100000 "$ZBSQL" --serve-sandbox "127.0.0.1:$PORT" > "$OUT" &
SANDBOX=$!
for _ in $(seq 50); do grep -q "listening" "$OUT" && break; sleep 0.1; done
TOKEN=$(curl -s -X POST "$BASE/__sandbox/mint-tokens" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
CONN="AccountsServer=$BASE;OAuthAccessToken=$TOKEN;OrganizationId=10234695"
ROWS=$(/usr/bin/time -f '%M' -o "$OUT.rss" "$ZBSQL" "$CONN" --format csv -c "SELECT * FROM Invoices" | wc -l)
echo "100,000 invoices to CSV: $((ROWS - 1)) rows, zbsql peak RSS $(( $(cat "$OUT.rss") / 1024 )) MB (target <= 64)"
rm -f "$OUT.rss"

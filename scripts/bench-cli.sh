#!/usr/bin/env bash
# The CLI as a whole process: `zbsql "<conn>" -c "EXEC GetOAuthAuthorizationURL ..."` next to
# `python3 -S -c` building the same URL with urllib.parse (the floor any Python connector pays
# before doing anything). Measures wall time (hyperfine when installed, else a `date +%s%N`
# loop) and peak RSS (`/usr/bin/time -v`), and prints the ratio.
#
# Targets: zbsql wall time <= 0.25 x python3's; zbsql peak RSS < 20 MB.
#
# Usage: scripts/bench-cli.sh [path/to/zbsql]   (default target/release/zbsql; build it first
#        with `cargo build --release --bin zbsql`). RUNS=N changes the number of timed runs.
set -euo pipefail

cd "$(dirname "$0")/.."
ZBSQL=${1:-target/release/zbsql}
RUNS=${RUNS:-200}
[ -x "$ZBSQL" ] || { echo "error: $ZBSQL not found; run: cargo build --release --bin zbsql" >&2; exit 2; }

CONN='OAuthClientId=1000.ABC;OAuthClientSecret=s3cret;InitiateOAuth=OFF'
SQL="EXEC GetOAuthAuthorizationURL @AuthMode='WEB', @CallbackUrl='http://localhost:33333'"
PY='import urllib.parse as u
print("https://accounts.zoho.com/oauth/v2/auth?" + u.urlencode({"client_id": "1000.ABC", "response_type": "code", "redirect_uri": "http://localhost:33333", "scope": "ZohoBooks.fullaccess.all", "access_type": "offline", "prompt": "consent"}))'

# Both build the same URL (checked, so the comparison is like with like).
zb_url=$("$ZBSQL" "$CONN" -c "$SQL" | grep -o 'https://[^ |]*' | head -1)
py_url=$(python3 -S -c "$PY")
echo "zbsql   : $zb_url"
echo "python3 : $py_url"
[ "$zb_url" = "$py_url" ] || { echo "error: zbsql and python3 built different URLs" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Wall time: mean over RUNS runs, in milliseconds.
if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 20 --runs "$RUNS" --export-json "$tmp/h.json" \
        -n zbsql "$ZBSQL '$CONN' -c \"$SQL\"" \
        -n python3 "python3 -S -c '$PY'" >&2
    read -r zb_ms py_ms < <(python3 -S -c '
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
print("%.3f %.3f" % (r["zbsql"]["mean"] * 1e3, r["python3"]["mean"] * 1e3))' "$tmp/h.json")
    how="hyperfine -N --warmup 20 --runs $RUNS (mean)"
else
    loop_ms() {
        local start end
        start=$(date +%s%N)
        for _ in $(seq "$RUNS"); do "$@" >/dev/null; done
        end=$(date +%s%N)
        echo "scale=3; ($end - $start) / 1000000 / $RUNS" | bc
    }
    zb_ms=$(loop_ms "$ZBSQL" "$CONN" -c "$SQL")
    py_ms=$(loop_ms python3 -S -c "$PY")
    how="date +%s%N loop over $RUNS runs (mean)"
fi

# Peak RSS: the largest "Maximum resident set size" over 20 runs, in kB.
peak_kb() {
    local max=0 kb
    for _ in $(seq 20); do
        kb=$(/usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}')
        [ "$kb" -gt "$max" ] && max=$kb
    done
    echo "$max"
}
zb_kb=$(peak_kb "$ZBSQL" "$CONN" -c "$SQL")
py_kb=$(peak_kb python3 -S -c "$PY")

ratio=$(echo "scale=3; $zb_ms / $py_ms" | bc)
echo
echo "wall time ($how):"
echo "  zbsql    ${zb_ms} ms"
echo "  python3  ${py_ms} ms"
echo "  ratio    ${ratio}  (target <= 0.25: $(echo "$ratio <= 0.25" | bc | sed 's/1/met/;s/0/MISSED/'))"
echo "peak RSS (/usr/bin/time -v, max of 20 runs):"
echo "  zbsql    $((zb_kb / 1024)) MB (${zb_kb} kB)  (target < 20 MB: $([ "$zb_kb" -lt 20480 ] && echo met || echo MISSED))"
echo "  python3  $((py_kb / 1024)) MB (${py_kb} kB)"

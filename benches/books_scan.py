"""The same paginated read as `SELECT * FROM Invoices`, in plain Python (urllib + json).

Usage: python3 books_scan.py BASE_URL ACCESS_TOKEN ORGANIZATION_ID
Prints the number of invoices read.
"""
import json
import sys
import urllib.request

base, token, org = sys.argv[1], sys.argv[2], sys.argv[3]
rows, page = 0, 1
while True:
    url = f"{base}/books/v3/invoices?organization_id={org}&page={page}&per_page=200"
    req = urllib.request.Request(url, headers={"Authorization": f"Zoho-oauthtoken {token}"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        body = json.load(resp)
    rows += len(body["invoices"])
    if not body.get("page_context", {}).get("has_more_page"):
        break
    page += 1
print(rows)

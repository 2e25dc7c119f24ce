"""Gives the demo customer something for the stateful phase to work on, through the API.

Without it the customer's lists start empty, so links such as "the first order of
GET /orders" have nothing to follow. Leaves: an address, an order awaiting payment, an
order paid through the sandbox with a refund requested (for staff to approve or reject),
and a line in the cart (so POST /orders can succeed).

Usage: schemathesis_seed.py BASE_URL CUSTOMER_TOKEN
"""

import json
import sys
import time
import urllib.request

BASE, TOKEN = sys.argv[1], sys.argv[2]


def call(method, path, body=None, token=TOKEN):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
        return json.loads(text) if text else None


# A cart line is a variant: the first variant of each product with stock to spare.
variants = [
    v["id"]
    for p in call("GET", "/api/v1/products?limit=20&facets=false")["data"]
    for v in p["variants"][:1]
    if v["stock_available"] >= 10
]
address = call("POST", "/api/v1/me/addresses", {
    "recipient": "Fuzz Tester", "phone": "+86 10 1234 5678", "line1": "1 Test Road",
    "city": "Beijing", "country": "CN",
})


def order(variant):
    call("PUT", f"/api/v1/cart/lines/{variant}", {"quantity": 1})
    return call("POST", "/api/v1/orders", {"address_id": address["id"]})


pending = order(variants[0])
paid = order(variants[1])
payment = call("POST", f"/api/v1/orders/{paid['id']}/pay", {"provider": "sandbox"})
call("POST", payment["pay_url"] + "/complete", {"outcome": "succeeded"}, token=None)
# The sandbox notifies the shop from a background job (run every second).
for _ in range(60):
    if call("GET", f"/api/v1/orders/{paid['id']}")["status"] == "paid":
        break
    time.sleep(0.5)
else:
    sys.exit(f"order {paid['id']} was not paid by the sandbox")
call("POST", f"/api/v1/orders/{paid['id']}/refunds", {"amount": 1, "reason": "fuzzing"})
call("PUT", f"/api/v1/cart/lines/{variants[2]}", {"quantity": 1})
print(f"seeded: address {address['id']}, orders {pending['id']} and {paid['id']} (paid, refund requested)")

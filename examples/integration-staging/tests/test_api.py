#!/usr/bin/env python3
"""The staging test suite: black-box tests of the app over the network, by
its service name. Exit status 0 when every test passes (unittest's rule),
which `--exit-code-from tests` turns into racker's own exit status.
STAGING_INJECT_FAILURE=1 adds a test that fails, to see a red run."""
import json
import os
import unittest
import urllib.error
import urllib.request

APP = os.environ.get("APP_URL", "http://app:8080")


def call(method, path, body=None):
    req = urllib.request.Request(APP + path, data=None if body is None else str(body).encode(), method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


class InventoryApi(unittest.TestCase):
    def test_health(self):
        self.assertEqual(call("GET", "/healthz"), (200, {"status": "ok"}))

    def test_put_then_get(self):
        self.assertEqual(call("PUT", "/items/bolts", 40)[0], 200)
        self.assertEqual(call("GET", "/items/bolts"), (200, {"name": "bolts", "quantity": 40}))

    def test_take_reduces_stock_and_refuses_overdraw(self):
        call("PUT", "/items/nuts", 5)
        self.assertEqual(call("POST", "/items/nuts/take", 3), (200, {"name": "nuts", "quantity": 2}))
        self.assertEqual(call("POST", "/items/nuts/take", 3)[0], 409)
        self.assertEqual(call("GET", "/items/nuts")[1]["quantity"], 2)

    def test_unknown_item(self):
        self.assertEqual(call("GET", "/items/no-such-thing")[0], 404)

    def test_bad_quantity(self):
        self.assertEqual(call("PUT", "/items/washers", "lots")[0], 400)

    @unittest.skipUnless(os.environ.get("STAGING_INJECT_FAILURE") == "1", "set STAGING_INJECT_FAILURE=1")
    def test_injected_failure(self):
        call("PUT", "/items/bolts", 40)
        self.assertEqual(call("GET", "/items/bolts")[1]["quantity"], 41, "injected failure: expected 41 bolts")


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""Canned model replies for the bundled examples."""

from __future__ import annotations

from typing import Any

# A security reply for examples/sql_injection.diff: the f-string query on lines 19-21.
SQLI_REPLY: dict[str, Any] = {
    "summary": "The refund query is built from user input.",
    "findings": [
        {
            "path": "shop/payments.py",
            "line": 19,
            "end_line": 21,
            "severity": "critical",
            "category": "CWE-89 sql-injection",
            "title": "SQL injection in refund_payment",
            "body": "order_id is interpolated into the SQL text.",
            "suggestion": None,
            "confidence": 0.95,
        }
    ],
}

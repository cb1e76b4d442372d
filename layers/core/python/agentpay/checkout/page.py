"""The local provider's checkout page: what the signed link says, rendered safely."""

from __future__ import annotations

from html import escape
from typing import Any

from agentpay.kit.money import format_money


def render(payload: dict[str, Any], pay_action: str | None = None) -> str:
    cur = payload["currency"]
    rows = "".join(
        f"<tr><td>{escape(li['name'])}"
        f"{escape(' · ' + li['size']) if li.get('size') else ''}"
        f"{escape(' · ' + li['color']) if li.get('color') else ''}</td>"
        f"<td class=n>{li['quantity']}</td>"
        f"<td class=n>{escape(format_money(li['unit_price_minor'], cur))}</td>"
        f"<td class=n>{escape(format_money(li['unit_price_minor'] * li['quantity'], cur))}</td>"
        "</tr>"
        for li in payload["lines"]
    )
    discount = ""
    if payload.get("discount_minor"):
        discount = (f"<tr><td colspan=3>Discount ({payload['discount_percent']:g}%)</td>"
                    f"<td class=n>-{escape(format_money(payload['discount_minor'], cur))}</td></tr>")
    pay = (f'<form method="post" action="{escape(pay_action)}">'
           f'<button type="submit" id="pay">Pay {escape(format_money(payload["total_minor"], cur))}'
           '</button></form>') if pay_action else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Checkout</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}}
table{{width:100%;border-collapse:collapse}}td,th{{padding:.4rem;border-bottom:1px solid #ddd}}
.n{{text-align:right}}tfoot td{{font-weight:bold}}</style></head>
<body><h1>Checkout</h1>
<table><thead><tr><th>Item</th><th class=n>Qty</th><th class=n>Price</th>
<th class=n>Amount</th></tr></thead>
<tbody>{rows}
<tr><td colspan=3>Subtotal</td>
<td class=n>{escape(format_money(payload['subtotal_minor'], cur))}</td></tr>{discount}</tbody>
<tfoot><tr><td colspan=3>Total</td>
<td class=n data-total="{payload['total_minor']}">{escape(format_money(payload['total_minor'], cur))}</td></tr></tfoot>
</table>
{pay}
<p>Checkout {escape(payload['id'])} · valid until {escape(payload['expires_at'])}</p>
</body></html>"""

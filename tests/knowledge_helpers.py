"""Articles for the knowledge tests: a small store's help pages, in Markdown."""

from __future__ import annotations

RETURNS = {
    "external_id": "returns",
    "title": "Returns & exchanges",
    "url": "https://shop.example/help/returns",
    "tags": ["returns", "policy"],
    "body": (
        "# Returns\n\nYou can return unworn items within **30 days** of delivery for a full "
        "refund. Return shipping is free within the US.\n\n"
        "## Exchanges\n\nWant another size? Exchanges are free: start one from your order "
        "page and we ship the new size as soon as the return is scanned.\n\n"
        "## Final sale\n\nGift cards and earrings cannot be returned."
    ),
}
SHIPPING = {
    "external_id": "shipping",
    "title": "Shipping & delivery",
    "url": "https://shop.example/help/shipping",
    "body": (
        "# Where we ship\n\nWe ship to the United States and Canada. Orders to Canada arrive "
        "in 5-8 business days and duties are included at checkout.\n\n"
        "# How fast\n\nOrders placed before 2 pm Eastern leave the warehouse the same day. "
        "Standard delivery in the US takes 3-5 business days."
    ),
}


def article(external_id: str, title: str, body: str, **fields) -> dict:
    return {"external_id": external_id, "title": title, "body": body, **fields}

"""Shared builders for catalog tests."""

from __future__ import annotations


def product(external_id: str, name: str, price: int = 1999, **fields) -> dict:
    return {"external_id": external_id, "name": name, "price": price, "currency": "USD",
            **fields}


SHOES = [
    product("shoe-1", "Trail Running Shoe", 12900, category="Footwear", brand="Stridewell",
            attributes={"colors": ["blue"], "sizes": ["9", "10"]},
            variants=[{"sku": "shoe-1-b9", "color": "blue", "size": "9", "stock": 3}],
            description="Grippy lugged outsole and a waterproof membrane for muddy trails."),
    product("shoe-2", "Road Running Shoe", 9900, category="Footwear", brand="Stridewell",
            attributes={"colors": ["red"]},
            variants=[{"sku": "shoe-2-r10", "color": "red", "size": "10", "stock": 0}],
            description="Light cushioned trainer for daily road miles."),
    product("mug-1", "Stoneware Coffee Mug 12 oz", 1800, category="Kitchen",
            attributes={"colors": ["white"]}),
    product("lamp-1", "Brass Desk Lamp", 4500, category="Lighting",
            attributes={"colors": ["gold"]}, description="Adjustable arm, warm LED bulb."),
    product("tent-1", "Two Person Backpacking Tent", 21900, category="Outdoor",
            attributes={"colors": ["green"]}),
]

"""Checkout: signed, expiring links built from the server's cart and recorded offers."""

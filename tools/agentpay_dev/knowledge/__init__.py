"""`knowledge load` and the demo store's help articles."""

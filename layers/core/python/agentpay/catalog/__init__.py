"""The store catalog: products, indexing and hybrid search."""

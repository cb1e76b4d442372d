"""`classify` and `bench intents`."""

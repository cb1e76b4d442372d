"""Limits that hold across instances: rate buckets in Postgres and the daily model budget."""

"""Stores: narrow interfaces over the database, one query shape per method."""

"""Roles: the tag vocabulary, the diagnostic codes, and a cell's tags → its role."""

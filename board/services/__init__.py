"""Writes for the board: meetings, cases, recommendations, surveillance imaging."""

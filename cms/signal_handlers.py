"""Signal receivers of the editorial model (cache purge, search text)."""

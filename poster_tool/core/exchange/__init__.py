"""Exchange with other systems: exports of approved poster-genre mappings and their import."""

"""Experiments: an A/B plan out, impression logs in, off-policy estimates of each policy."""

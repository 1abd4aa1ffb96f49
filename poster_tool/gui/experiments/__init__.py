"""The Experiments panel: plans, impression logs and off-policy estimates."""

"""The review pass, agreement between curators, and the history of the selection."""

"""Model errors: the test posters a model version got most wrong, as a queue."""

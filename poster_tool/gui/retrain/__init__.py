"""The Retrain dock, its chart and report, model history and re-scoring."""

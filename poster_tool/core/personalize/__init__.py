"""Personalized poster selection: viewer profiles, a guarded policy, offline replay evaluation.

``profiles`` keeps viewers in the catalog, ``samples`` ships example viewers built from the
catalog's own titles, ``policy`` is the numeric core (profiles x posters, numpy), ``picks``
turns it into explained picks for the CLI and the preview, ``row`` builds the preview's rows
for every profile at once, ``replay`` evaluates policies offline on simulated impression
logs.
"""

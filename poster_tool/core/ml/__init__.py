"""The genre-feel CNN: network, data, training, metrics, scoring and the model registry.

Importing this package is cheap; torch and torchvision load in the modules that need them.
"""

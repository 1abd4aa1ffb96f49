"""The loupe: posters at full resolution, alone or two to four side by side."""

"""Custom tracks: music not in the catalog, served to Spotify clients as local items."""

"""Playlists with Spotify's semantics: operations, item blocks, history, routes."""

"""Playlists with Spotify's semantics: operations, position keys, history, routes."""

"""playdeck: a self-hosted Spotify, the whole catalog through the Spotify Web API."""

__version__ = "0.1.0"

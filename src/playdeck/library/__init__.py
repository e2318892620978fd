"""A user's library: saved tracks and albums, followed artists and users, /me/library."""

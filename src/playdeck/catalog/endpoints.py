"""The Spotify Web API's catalog endpoints (`/v1`): an adapter over the catalog service."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()

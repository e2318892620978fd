"""Wire models of playdeck's own matching API (`POST /api/match`)."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from playdeck.search.match import MAX_LINES


class MatchRequest(BaseModel):
    """Lines to match: a list, or one pasted text split on newlines."""

    lines: list[str] | None = Field(default=None, description="One song per line.")
    text: str | None = Field(default=None, description="Pasted text, one song per line.")

    @model_validator(mode="after")
    def _one_of(self) -> MatchRequest:
        if (self.lines is None) == (self.text is None):
            raise ValueError("give exactly one of `lines` or `text`")
        if len(self.all_lines()) > MAX_LINES:
            raise ValueError(f"at most {MAX_LINES} lines")
        return self

    def all_lines(self) -> list[str]:
        if self.lines is not None:
            return self.lines
        return (self.text or "").splitlines()


class MatchCandidate(BaseModel):
    id: str
    name: str
    artists: list[str]
    confidence: float


class MatchResult(BaseModel):
    input: str
    id: str | None
    uri: str | None
    name: str | None
    artists: list[str]
    confidence: float
    alternatives: list[MatchCandidate]


class MatchResponse(BaseModel):
    results: list[MatchResult]

"""Faults of our own, injected where a bug would raise: what the service does with an
exception it did not expect (masks it, logs it, answers 500-free GraphQL)."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry.dataloader import DataLoader


def break_loaders(monkeypatch: pytest.MonkeyPatch, message: str) -> None:
    """Every by-key loader of later requests (organizations, users...) raises `message`."""

    async def explode(keys: list[Any]) -> list[Any]:
        raise RuntimeError(message)

    monkeypatch.setattr("schema.loaders.by_key", lambda *_: DataLoader(explode))

"""Logging in: OAuth2 password flow, answered with a bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from service.api.deps import CurrentUser, ServicesDep

router = APIRouter(prefix="/auth", tags=["auth"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    role: str


class Me(BaseModel):
    username: str
    role: str
    trainer_id: str | None


@router.post("/token")
async def log_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], services: ServicesDep
) -> Token:
    """Exchange a username and password for a bearer token."""
    user = await run_in_threadpool(services.accounts.authenticate, form.username, form.password)
    if user is None:
        raise HTTPException(
            401, "Unknown username or wrong password.", headers={"WWW-Authenticate": "Bearer"}
        )
    return Token(access_token=services.accounts.issue_token(user), role=user.role.value)


@router.get("/me")
async def who_am_i(user: CurrentUser) -> Me:
    """The logged-in user, their role, and (experts, trainers) their trainer id."""
    return Me(username=user.username, role=user.role.value, trainer_id=user.trainer_id)

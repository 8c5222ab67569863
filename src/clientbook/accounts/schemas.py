from pydantic import Field

from clientbook.kit.schemas import RequestBody, ResponseBody


class PasswordLogin(RequestBody):
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=200)


class RefreshRequest(RequestBody):
    # Generous: a token of the wrong kind is an invalid token (401), not a malformed body.
    refresh_token: str = Field(min_length=1, max_length=4096)


class TokenOut(ResponseBody):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int
    refresh_token: str

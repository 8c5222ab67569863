from pydantic import Field

from clientbook.kit.schemas import RequestBody, ResponseBody


class CustomerLogin(RequestBody):
    username: str = Field(min_length=1, max_length=254, description="E-mail, phone or card")
    password: str = Field(min_length=1, max_length=200)


class CustomerRefresh(RequestBody):
    refresh_token: str = Field(min_length=1, max_length=4096)


class Activation(RequestBody):
    """A link ``token``, or a ``code`` with the ``username`` it was sent to."""

    token: str | None = Field(default=None, min_length=1, max_length=200)
    code: str | None = Field(default=None, min_length=1, max_length=16)
    username: str | None = Field(default=None, min_length=1, max_length=254)


class PasswordSet(RequestBody):
    password: str = Field(min_length=1, max_length=200)


class ActivatedOut(ResponseBody):
    customer_id: str
    activated: bool = True


class CustomerTokenOut(ResponseBody):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int
    refresh_token: str


class PasswordChange(RequestBody):
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=200)

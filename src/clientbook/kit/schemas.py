"""Base classes for request and response bodies."""

from pydantic import BaseModel, ConfigDict


class RequestBody(BaseModel):
    """Unknown fields are rejected, so a typo is an error and not silently ignored."""

    model_config = ConfigDict(extra="forbid", str_max_length=10_000)


class ResponseBody(BaseModel):
    model_config = ConfigDict(from_attributes=True)

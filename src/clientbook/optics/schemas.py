"""Prescription values. The rules live in the types, so every surface applies the same ones."""

import uuid
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, PlainSerializer, model_validator

from clientbook.kit.schemas import RequestBody, ResponseBody
from clientbook.kit.validators import OptionalText200, OptionalText2000, PastDate


def _power(low: str, high: str, step: str) -> BeforeValidator:
    """A lens power in dioptres: a number or numeric string, within range, on the step."""
    lo, hi, st = Decimal(low), Decimal(high), Decimal(step)

    def parse(value: object) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise ValueError("must be a number like -1.25")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError("must be a number like -1.25") from exc
        if not number.is_finite() or not lo <= number <= hi:
            raise ValueError(f"must be between {lo:+} and {hi:+}")
        if number % st != 0:
            raise ValueError(f"must be in steps of {st}")
        return number.quantize(Decimal("0.01"))

    return BeforeValidator(parse)


# Powers are written as opticians write them: "+1.25", "-0.50", "0.00".
_AS_TEXT = PlainSerializer(lambda d: f"{d:+.2f}" if d else "0.00", return_type=str)


def _axis(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError("must be a whole number of degrees from 0 to 180")
    try:
        text = str(value).strip()
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError("must be a whole number of degrees from 0 to 180") from exc
    if number != number.to_integral_value() or not 0 <= number <= 180:
        raise ValueError("must be a whole number of degrees from 0 to 180")
    return int(number)


Sphere = Annotated[Decimal, _power("-30", "30", "0.25"), _AS_TEXT]
Cylinder = Annotated[Decimal, _power("-10", "10", "0.25"), _AS_TEXT]
Addition = Annotated[Decimal, _power("0.25", "4", "0.25"), _AS_TEXT]
Prism = Annotated[Decimal, _power("0", "20", "0.25"), _AS_TEXT]
PupillaryDistance = Annotated[Decimal, _power("20", "40", "0.5"), _AS_TEXT]
Axis = Annotated[int, BeforeValidator(_axis)]


class EyeMeasurement(RequestBody):
    """One eye at one distance. ``axis`` is required when there is a cylinder."""

    sph: Sphere | None = None
    cyl: Cylinder | None = None
    axis: Axis | None = None
    add: Addition | None = None
    prism: Prism | None = None
    prism_base: Literal["up", "down", "in", "out"] | None = None
    pd: PupillaryDistance | None = None

    @model_validator(mode="after")
    def _axis_with_cylinder(self) -> "EyeMeasurement":
        if self.cyl and self.axis is None:
            raise ValueError("axis is required when cyl is not 0")
        return self


class Vision(RequestBody):
    right_eye: EyeMeasurement | None = None
    left_eye: EyeMeasurement | None = None


class Measurements(RequestBody):
    distance_vision: Vision | None = None
    intermediate_vision: Vision | None = None
    near_vision: Vision | None = None


class PrescriptionCreate(Measurements):
    issued_on: PastDate | None = Field(default=None, description="Defaults to today")
    prescriber: OptionalText200 = None
    notes: OptionalText2000 = None


class PrescriptionOut(ResponseBody):
    id: uuid.UUID
    customer_id: uuid.UUID
    issued_on: date
    distance_vision: dict[str, Any] | None
    intermediate_vision: dict[str, Any] | None
    near_vision: dict[str, Any] | None
    prescriber: str | None
    notes: str | None
    created_by: uuid.UUID | None
    created_at: datetime

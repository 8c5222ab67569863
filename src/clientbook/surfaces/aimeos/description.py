"""What ``OPTIONS /jsonapi/customer`` says about each attribute a client may send, in the
shape Aimeos publishes (code, label, type, default, required)."""

from typing import Any

_ATTRIBUTES: list[tuple[str, str, str, Any, bool]] = [
    ("customer.code", "Unique customer code, the e-mail address if empty", "string", "", False),
    ("customer.label", "Label of the customer, generated if empty", "string", "", False),
    (
        "customer.salutation",
        'Salutation: "mr", "mrs", "miss", "ms", "company" or empty',
        "string",
        "",
        False,
    ),
    ("customer.company", "Company name", "string", "", False),
    ("customer.vatid", "VAT ID of the company", "string", "", False),
    ("customer.title", "Title of the customer", "string", "", False),
    ("customer.firstname", "First name", "string", "", False),
    ("customer.lastname", "Last name", "string", "", False),
    ("customer.address1", "First address line (street)", "string", "", False),
    ("customer.address2", "Second address line (house number)", "string", "", False),
    ("customer.address3", "Third address line", "string", "", False),
    ("customer.postal", "Postal code", "string", "", False),
    ("customer.city", "City", "string", "", False),
    ("customer.state", "State or region", "string", "", False),
    ("customer.countryid", "Two letter ISO country code", "string", "", False),
    ("customer.languageid", "Language code, e.g. de or en", "string", "", False),
    ("customer.telephone", "Telephone number (also spelt customer.telehone)", "string", "", False),
    ("customer.telefax", "Fax number", "string", "", False),
    ("customer.email", "E-mail address, required for new accounts", "string", "", True),
    ("customer.website", "Web site URL", "string", "", False),
    ("customer.longitude", "Longitude of the address", "float", None, False),
    ("customer.latitude", "Latitude of the address", "float", None, False),
    ("customer.birthday", "Birthday (YYYY-MM-DD)", "date", None, False),
    ("customer.password", "Password, generated if empty for new accounts", "string", "", False),
]

CUSTOMER_ATTRIBUTES: dict[str, dict[str, Any]] = {
    code: {"code": code, "label": label, "type": kind, "default": default, "required": required}
    for code, label, kind, default, required in _ATTRIBUTES
}

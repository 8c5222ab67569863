"""A customer changes its e-mail or phone: confirmed at the new address before it counts.

The old value stays until the secret sent to the new one comes back. A confirmation for
an address another customer took meanwhile is a 409, as any duplicate e-mail is.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.accounts.throttle import LoginThrottle
from clientbook.customer_accounts import codes, notify
from clientbook.customer_accounts.config import AccountConfig
from clientbook.customer_accounts.me import own_record
from clientbook.customer_accounts.schemas import ContactChange, ContactConfirm
from clientbook.customer_accounts.scope import CustomerScope, scope_of_customer
from clientbook.customer_accounts.service import GUESS, throttle_key
from clientbook.customers.schemas import CustomerUpdate
from clientbook.customers.service import update_customer
from clientbook.kit.contact import parse_phone
from clientbook.kit.errors import ValidationFailed
from clientbook.models import Customer

EMAIL, PHONE = "email:", "phone:"  # the prefix of a code's target: which field it sets


async def request_change(
    session: AsyncSession, config: AccountConfig, scope: CustomerScope, data: ContactChange
) -> None:
    """Send a secret to the new address: a link token by e-mail, a code by SMS."""
    customer = await own_record(session, scope)
    if data.email is not None and data.phone is None:
        await notify.send_secret(
            session,
            config,
            scope.store,
            customer,
            purpose=codes.CONTACT,
            channel="email",
            to=data.email,
            target=EMAIL + data.email,
        )
    elif data.phone is not None and data.email is None:
        try:
            e164 = parse_phone(data.phone, scope.store.country).e164
        except ValueError as exc:
            raise ValidationFailed.field("phone", str(exc)) from exc
        if e164 is None:
            raise ValidationFailed.field("phone", "an SMS needs an international number (+...)")
        await notify.send_secret(
            session,
            config,
            scope.store,
            customer,
            purpose=codes.CONTACT,
            channel="sms",
            to=e164,
            target=PHONE + e164,
        )
    else:
        raise ValidationFailed.field("email", "give either a new email or a new phone")


async def confirm_change(
    session: AsyncSession,
    config: AccountConfig,
    throttle: LoginThrottle,
    scope: CustomerScope,
    data: ContactConfirm,
    *,
    ip: str,
) -> Customer:
    """Apply the new address a token or code of this customer carries; once."""
    if data.token is not None:
        redeemed = await codes.redeem_token(session, config, scope.store, codes.CONTACT, data.token)
        if redeemed.customer_id != scope.customer_id:  # another's token works for nobody else
            raise ValidationFailed.field("token", "is invalid, expired or already used")
    elif data.code is not None:
        key = throttle_key(scope.store.id, f"contact:{scope.customer_id}")
        await throttle.attempt(email_key=key, ip=ip, purpose=GUESS, session=session)
        redeemed = await codes.redeem_code(
            session, config, scope.store, scope.customer_id, codes.CONTACT, data.code
        )
    else:
        raise ValidationFailed.field("token", "send the token or the code")
    target = redeemed.target or ""
    if target.startswith(EMAIL):
        change = CustomerUpdate(email=target.removeprefix(EMAIL))
    else:
        change = CustomerUpdate(phone=target.removeprefix(PHONE))
    return await update_customer(
        session, scope_of_customer(scope.store, scope.customer_id), scope.customer_id, change
    )

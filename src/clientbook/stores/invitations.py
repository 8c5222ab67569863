"""Invitations: a store's admins offer a role to an e-mail address; its account accepts.

Nobody is added to a store without saying yes, and an invitation's answer is the same
whether or not the address has an account, so inviting tells nothing about who has one.
"""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit.contact import clean_email, email_key
from clientbook.kit.db import utcnow
from clientbook.kit.errors import Conflict, FieldError, NotFound, ValidationFailed
from clientbook.kit.integrity import UniqueRule, unique_violations
from clientbook.messages.outbox import enqueue
from clientbook.models import Invitation, Membership, Store, User
from clientbook.stores.schemas import InvitationCreate
from clientbook.stores.scope import Role, StoreScope

PENDING, ACCEPTED, DECLINED, REVOKED, EXPIRED = (
    "pending",
    "accepted",
    "declined",
    "revoked",
    "expired",
)
_ALREADY_MEMBER = "this user is already a member of the store"

INVITATION_UNIQUES = [
    UniqueRule(
        "uq_invitations_store_id_email_key_pending",
        "invitations",
        ("store_id", "email_key"),
        "email",
        "this e-mail already has a pending invitation to the store",
    )
]
MEMBER_UNIQUES = [
    UniqueRule("pk_memberships", "memberships", ("store_id", "user_id"), "email", _ALREADY_MEMBER)
]


def status_of(invitation: Invitation, now: datetime | None = None) -> str:
    if invitation.status == PENDING and invitation.expires_at <= (now or utcnow()):
        return EXPIRED
    return invitation.status


# --- the store's side ----------------------------------------------------------------


async def invite(
    session: AsyncSession, scope: StoreScope, data: InvitationCreate, ttl: timedelta
) -> Invitation:
    """Invite an e-mail address (owner or admin); a second pending invitation is a 409."""
    scope.require(Role.admin)
    scope.require_grant(data.role)
    try:
        email = clean_email(str(data.email))
    except ValueError as exc:
        raise ValidationFailed.field("email", str(exc)) from exc
    key = email_key(email)
    await _refuse_a_member(session, scope, key)
    now = utcnow()
    await session.execute(  # a pending invitation past its time no longer holds the place
        update(Invitation)
        .where(
            Invitation.store_id == scope.store_id,
            Invitation.email_key == key,
            Invitation.status == PENDING,
            Invitation.expires_at <= now,
        )
        .values(status=EXPIRED)
    )
    invitation = Invitation(
        store_id=scope.store_id,
        id=uuid.uuid4(),
        email=email,
        email_key=key,
        role=data.role,
        status=PENDING,
        invited_by=scope.user_id,
        expires_at=now + ttl,
    )
    session.add(invitation)
    async with unique_violations(INVITATION_UNIQUES):
        await session.flush()
    await _send_invitation(session, invitation)
    return invitation


async def _send_invitation(session: AsyncSession, invitation: Invitation) -> None:
    """The invitee learns of it by e-mail, queued with the invitation itself. It names the
    invitation; accepting needs the invitee's own sign-in, so the mail holds no secret."""
    await enqueue(
        session,
        store_id=invitation.store_id,
        channel="email",
        to=invitation.email,
        template="staff_invitation",
        context={
            "role": str(invitation.role),
            "invitation_id": str(invitation.id),
            "expires_at": invitation.expires_at.isoformat(timespec="minutes"),
        },
    )


async def _refuse_a_member(session: AsyncSession, scope: StoreScope, key: str) -> None:
    """A current member cannot be invited again (the admins see the members anyway)."""
    member = await session.scalar(
        select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.store_id == scope.store_id, User.email_key == key)
    )
    if member is not None:
        raise Conflict(_ALREADY_MEMBER, errors=[FieldError("email", _ALREADY_MEMBER)])


async def list_for_store(session: AsyncSession, scope: StoreScope) -> list[Invitation]:
    scope.require(Role.admin)
    rows = await session.scalars(
        select(Invitation)
        .where(Invitation.store_id == scope.store_id)
        .order_by(Invitation.created_at.desc(), Invitation.id)
    )
    return list(rows)


async def revoke(session: AsyncSession, scope: StoreScope, invitation_id: uuid.UUID) -> None:
    """Withdraw a pending invitation (owner or admin)."""
    scope.require(Role.admin)
    invitation = await session.get(Invitation, (scope.store_id, invitation_id))
    if invitation is None:
        raise NotFound("Invitation not found")
    if invitation.role == Role.owner:
        scope.require_grant(Role.owner)
    _require_pending(invitation)
    invitation.status = REVOKED
    invitation.responded_at = utcnow()
    await session.flush()


# --- the invitee's side --------------------------------------------------------------


async def list_mine(session: AsyncSession, user: User) -> list[tuple[Invitation, Store]]:
    """The pending invitations addressed to the signed-in account's e-mail."""
    rows = await session.execute(
        select(Invitation, Store)
        .join(Store, Store.id == Invitation.store_id)
        .where(
            Invitation.email_key == user.email_key,
            Invitation.status == PENDING,
            Invitation.expires_at > utcnow(),
        )
        .order_by(Invitation.created_at.desc(), Invitation.id)
    )
    return [(invitation, store) for invitation, store in rows]


async def accept(
    session: AsyncSession, user: User, invitation_id: uuid.UUID
) -> tuple[Store, Membership]:
    """Join the store in the invitation's role; an invitation is used once."""
    invitation = await _claim(session, user, invitation_id, ACCEPTED)
    membership = Membership(store_id=invitation.store_id, user_id=user.id, role=invitation.role)
    session.add(membership)
    async with unique_violations(MEMBER_UNIQUES):
        await session.flush()
    return await session.get_one(Store, invitation.store_id), membership


async def decline(session: AsyncSession, user: User, invitation_id: uuid.UUID) -> None:
    await _claim(session, user, invitation_id, DECLINED)


async def _claim(
    session: AsyncSession, user: User, invitation_id: uuid.UUID, outcome: str
) -> Invitation:
    """Mark a pending invitation of this account answered, in one statement: of two
    answers at once, only one finds it pending."""
    invitation = await session.scalar(
        select(Invitation).where(
            Invitation.id == invitation_id, Invitation.email_key == user.email_key
        )
    )
    if invitation is None:  # another's invitation looks like no invitation at all
        raise NotFound("Invitation not found")
    _require_pending(invitation)
    now = utcnow()
    claimed = await session.execute(
        update(Invitation)
        .where(
            Invitation.store_id == invitation.store_id,
            Invitation.id == invitation.id,
            Invitation.status == PENDING,
            Invitation.expires_at > now,
        )
        .values(status=outcome, responded_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise _not_pending("answered")
    return invitation


def _require_pending(invitation: Invitation) -> None:
    status = status_of(invitation)
    if status != PENDING:
        raise _not_pending(status)


def _not_pending(status: str) -> Conflict:
    message = f"the invitation is no longer pending ({status})"
    return Conflict(message, errors=[FieldError("status", message)])

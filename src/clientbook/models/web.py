"""Where a store is on the web: the host names its shop front-ends call Clientbook by
(``store_domains``), and the browser origins allowed to call it (``store_origins``)."""

import uuid

from sqlalchemy import ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from clientbook.kit.db import Base
from clientbook.models.types import CreatedAt


class StoreDomain(Base):
    """A host name that picks the store of a request (Aimeos' ``/jsonapi``). A domain
    belongs to one store: the first that claims it (a unique index)."""

    __tablename__ = "store_domains"
    __table_args__ = (Index("uq_store_domains_domain", "domain", unique=True),)

    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    created_at: Mapped[CreatedAt]


class StoreOrigin(Base):
    """A browser origin (``https://shop.example.com``) answered with CORS on the store's
    own domains."""

    __tablename__ = "store_origins"

    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    origin: Mapped[str] = mapped_column(String(300), primary_key=True)
    created_at: Mapped[CreatedAt]

"""Clinic, its sites, and the chairs or rooms sessions are booked on."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ketapath.db.base import Base, TimestampMixin, new_id


class Clinic(TimestampMixin, Base):
    """A clinic: its name, time zone and clinical settings (rule-set choices, thresholds)."""

    __tablename__ = "clinics"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sites: Mapped[list[Site]] = relationship(back_populates="clinic", lazy="raise")


class Site(TimestampMixin, Base):
    """A location of the clinic; REMS certification is per setting."""

    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("clinic_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="RESTRICT")
    )
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(500))
    rems_certified: Mapped[bool] = mapped_column(default=False)
    clinic: Mapped[Clinic] = relationship(back_populates="sites", lazy="raise")
    chairs: Mapped[list[Chair]] = relationship(back_populates="site", lazy="raise")


class Chair(TimestampMixin, Base):
    """A treatment chair or room at a site."""

    __tablename__ = "chairs"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    site_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("sites.id", ondelete="RESTRICT")
    )
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16), default="chair")
    active: Mapped[bool] = mapped_column(default=True)
    site: Mapped[Site] = relationship(back_populates="chairs", lazy="raise")

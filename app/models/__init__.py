"""All SQLAlchemy models share one metadata; importing this package registers every table."""

from app.models.base import Base

__all__ = ["Base"]

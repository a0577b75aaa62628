"""The phone pages' own table (issue 21): each offline diary entry stored exactly once.

A diary entry made on the phone without a signal waits there (``localStorage``) with a key
the phone chose (a random UUID); when the signal returns it is sent, perhaps more than once
(a lost answer, two tabs). ``diary_submissions.key`` is unique: the first send stores the
entry, a repeat finds the row and answers with the same entry.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from server.models.common import created_at_field

__all__ = ["DiarySubmission"]


class DiarySubmission(SQLModel, table=True):
    __tablename__ = "diary_submissions"
    id: int | None = Field(default=None, primary_key=True)
    #: The phone's idempotency key (8–64 characters of ``[A-Za-z0-9_-]``).
    key: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    entry_id: int = Field(foreign_key="trace_diary_entries.id", index=True, ondelete="CASCADE")
    #: What the farmer chose on the page: spraying, fertilising, pruning, flowering,
    #: fruit_set, harvest (the diary's own kind is coarser: spraying/fertilising/other).
    activity: str = Field(max_length=16)
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    #: Relative path of the attached photo under ``<var_dir>/farm/diary/`` (None: no photo).
    photo: str | None = Field(default=None, max_length=120)
    created_at: datetime = created_at_field()
    #: When the phone says the entry was made (it may reach us hours later).
    made_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))

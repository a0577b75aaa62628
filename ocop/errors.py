"""Errors of the OCOP library.

Every error here subclasses :class:`OcopError`, which subclasses :class:`ValueError`
(the segno model): callers can catch ``ValueError`` at a boundary, and the server maps
each class to an HTTP status in one place.
"""

from __future__ import annotations

__all__ = [
    "CriteriaDataError",
    "InvalidAnswerError",
    "InvalidDateError",
    "InvalidStarsError",
    "InvalidTotalError",
    "NoCriteriaSetError",
    "NotCertifiableError",
    "OcopError",
    "UnknownCriterionError",
    "UnknownOptionError",
]


class OcopError(ValueError):
    """Base class of every error raised by :mod:`ocop`."""


class InvalidTotalError(OcopError):
    """A total score that is not a finite number between 0 and 100."""


class InvalidStarsError(OcopError):
    """A star rating that is not an integer from 1 to 5."""


class InvalidAnswerError(OcopError):
    """An answer that cannot be scored: negative, NaN, above the criterion's or the
    chosen option's maximum, or of the wrong type."""


class UnknownCriterionError(InvalidAnswerError):
    """An answer for a criterion code that the criteria set does not have."""


class UnknownOptionError(InvalidAnswerError):
    """An option code that the criterion does not have."""


class CriteriaDataError(OcopError):
    """A criteria set whose data fails its self-check (part maxima, codes, options)."""


class NoCriteriaSetError(OcopError):
    """No criteria set is known for that product subgroup, key or date."""


class InvalidDateError(OcopError):
    """A date argument that is not a ``datetime.date``, or out of the supported range."""


class NotCertifiableError(OcopError):
    """A certificate rule asked about a rating below 3 stars (never certified)."""

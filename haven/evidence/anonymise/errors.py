"""Errors raised by the anonymisation engine."""


class AnonymisationInputError(ValueError):
    """The data, hierarchies or parameters given to the engine cannot produce a release."""

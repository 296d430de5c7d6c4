"""Demo data for the surveys app, called by manage.py seed_demo."""


def seed(*, stdout):
    """Create this app's demo rows. Called once, on an empty database."""

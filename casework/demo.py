"""Demo data for the casework app, called by manage.py seed_demo."""


def seed(*, stdout):
    """Create this app's demo rows. Called once, on an empty database."""

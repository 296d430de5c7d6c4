"""What the front page shows a signed-in person, contributed by the apps from their
AppConfig.ready() (the members app: the next step towards membership; the surveys app: the
editions open to answer), so core depends on no app."""

_providers = []


def register_home_context(provider):
    """`provider(user)` returns a dict added to the front page's context."""
    if provider not in _providers:
        _providers.append(provider)


def home_context_for(user):
    context = {}
    for provider in _providers:
        context.update(provider(user))
    return context

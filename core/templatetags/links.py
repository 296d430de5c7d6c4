from django import template

from core import links

register = template.Library()


@register.simple_tag
def absolute_url(viewname, *args, **kwargs):
    """{% absolute_url "members:renew" %}: the link from SITE_URL (core.links), for emails."""
    return links.absolute_url(viewname, *args, **kwargs)

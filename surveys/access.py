"""Gatekeepers: every view reaches an edition through one of these."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from core.roles import has_role_permission, is_member

from .models import Edition
from .selectors import edition_of_year

MANAGE_PERMISSION = "members.manage_surveys"


def get_answerable_edition_for(user, year):
    """An edition the member can answer now. Members see only open editions: a draft, a
    closed or a not-yet-open edition is 404. Someone who is not a current member gets 403."""
    if not is_member(user):
        raise PermissionDenied
    edition = edition_of_year(year)
    if edition is None or not edition.accepts_answers(timezone.now()):
        raise Http404
    return edition


def get_managed_edition_for(user, year):
    if not has_role_permission(user, MANAGE_PERMISSION):
        raise PermissionDenied
    edition = Edition.objects.filter(year=year).first()
    if edition is None:
        raise Http404
    return edition


def get_managed_question_for(user, edition, pk):
    if not has_role_permission(user, MANAGE_PERMISSION):
        raise PermissionDenied
    question = edition.questions.select_related("section", "edition").filter(pk=pk).first()
    if question is None:
        raise Http404
    return question


def get_managed_section_for(user, edition, pk):
    if not has_role_permission(user, MANAGE_PERMISSION):
        raise PermissionDenied
    section = edition.sections.select_related("edition").filter(pk=pk).first()
    if section is None:
        raise Http404
    return section


def get_results_edition_for(user, year):
    """An edition whose results an admin may read: closed and mixed (issue 9). Any other
    edition is 404, as if it had no results, which it has not."""
    if not has_role_permission(user, MANAGE_PERMISSION):
        raise PermissionDenied
    edition = Edition.objects.with_results().filter(year=year).first()
    if edition is None:
        raise Http404
    return edition


def can_read_results(user):
    """Published results are for members, and for the admins who publish them."""
    return is_member(user) or has_role_permission(user, MANAGE_PERMISSION)


def get_publication_for(user, year):
    """The live publication of edition `year` for someone who may read results; an edition
    not published (or unpublished again) is 404 like one that does not exist."""
    from .models import Publication

    if not can_read_results(user):
        raise PermissionDenied
    publication = (
        Publication.objects.live().select_related("edition").filter(edition__year=year).first()
    )
    if publication is None:
        raise Http404
    return publication

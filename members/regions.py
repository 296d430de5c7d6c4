"""Regions: the fixed coarsening of the 2024 counties used in every breakdown.

Reports break results down by region rather than county when counties are too small to
publish. Defined once here; the survey copies the region code into anonymous responses.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    NORD = "nord", _("Northern Norway")
    MIDT = "midt", _("Central Norway")
    VEST = "vest", _("Western Norway")
    OST = "ost", _("Eastern Norway")
    SOR = "sor", _("Southern Norway")


# Statistics Norway's 2024 county codes. Møre og Romsdal goes with Trøndelag, as in the
# health region Helse Midt-Norge; Telemark with the east, as Vestfold og Telemark was.
REGION_BY_COUNTY = {
    "03": Region.OST,  # Oslo
    "11": Region.VEST,  # Rogaland
    "15": Region.MIDT,  # Møre og Romsdal
    "18": Region.NORD,  # Nordland
    "31": Region.OST,  # Østfold
    "32": Region.OST,  # Akershus
    "33": Region.OST,  # Buskerud
    "34": Region.OST,  # Innlandet
    "39": Region.OST,  # Vestfold
    "40": Region.OST,  # Telemark
    "42": Region.SOR,  # Agder
    "46": Region.VEST,  # Vestland
    "50": Region.MIDT,  # Trøndelag
    "55": Region.NORD,  # Troms
    "56": Region.NORD,  # Finnmark
}


def region_for_county(county_code):
    """The region code for a county code, or "" when the county is unknown."""
    region = REGION_BY_COUNTY.get(county_code or "")
    return region.value if region else ""

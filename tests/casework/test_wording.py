from django.utils import translation

from casework.forms import GuidanceRequestForm


def test_guidance_form_help_is_in_the_language_of_the_page():
    for language, text in [
        ("en", "Only the organisation's advisors read it."),
        ("nb", "rådgivere"),
    ]:
        with translation.override(language):
            assert text in str(GuidanceRequestForm.base_fields["description"].help_text)

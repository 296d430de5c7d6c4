import json

from casework import services
from casework.models import Message
from casework.privacy import export_member_data

from .conftest import CANARY_DESCRIPTION, CANARY_NOTE


def test_export_has_own_cases_and_replies_but_no_notes(
    member, other_member, advisor, topics, member_case
):
    case = services.request_guidance(
        member=member, topics=[topics["stigma"]], description=CANARY_DESCRIPTION
    )
    services.post_advisor_message(case=case, advisor=advisor, kind=Message.Kind.REPLY, body="Svar")
    services.post_advisor_message(
        case=case, advisor=advisor, kind=Message.Kind.INTERNAL_NOTE, body=CANARY_NOTE
    )
    services.record_case_view(case=case, actor=advisor)
    services.request_guidance(
        member=other_member,
        topics=[topics["stigma"]],
        description="CANARY-OTHER-MEMBER and enough words to be valid",
    )
    exported = json.dumps(export_member_data(member), ensure_ascii=False)
    data = json.loads(exported)
    assert {c["reference"] for c in data} == {case.reference, member_case.reference}
    assert CANARY_DESCRIPTION in exported
    assert "Svar" in exported
    assert CANARY_NOTE not in exported
    assert "CANARY-OTHER-MEMBER" not in exported
    assert advisor.email in exported or advisor.get_full_name() in exported

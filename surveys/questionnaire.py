"""The Peer Support Worker Survey questionnaire, as a definition the editions are built from.

Every edition built from here shares question keys and choice codes, so a question asked in
2020 and 2022 is the same question for the trend. `since` marks questions added later.
"""

from django.db import transaction

from .models import Choice, Edition, LikertItem, Question, Section

YES_NO = [("yes", "Ja", "Yes"), ("no", "Nei", "No")]
AGREE = [
    ("1", "Helt uenig", "Strongly disagree"),
    ("2", "Litt uenig", "Somewhat disagree"),
    ("3", "Verken eller", "Neither"),
    ("4", "Litt enig", "Somewhat agree"),
    ("5", "Helt enig", "Strongly agree"),
]
FREQUENCY = [
    ("never", "Aldri", "Never"),
    ("sometimes", "Av og til", "Sometimes"),
    ("often", "Ofte", "Often"),
]


def q(key, type_, text_nb, text_en, **options):
    return {"key": key, "type": type_, "text_nb": text_nb, "text_en": text_en, **options}


SECTIONS = [
    {
        "title_nb": "Om stillingen din",
        "title_en": "About your position",
        "questions": [
            q(
                "employer_sector",
                "single",
                "Hvor jobber du?",
                "Where do you work?",
                profile="employer_type",
                choices=[
                    ("municipality", "Kommune", "Municipality"),
                    ("specialist", "Spesialisthelsetjenesten", "Specialist health service"),
                    ("nav", "NAV", "NAV"),
                    ("ngo_private", "Frivillig eller privat", "NGO or private"),
                    ("other", "Annet", "Other"),
                ],
            ),
            q(
                "service_field",
                "single",
                "Innenfor hvilket felt jobber du?",
                "Which field do you work in?",
                profile="field",
                choices=[
                    ("mental_health", "Psykisk helse", "Mental health"),
                    ("substance_use", "Rus", "Substance use"),
                    ("both", "Begge", "Both"),
                ],
            ),
            q(
                "position_percent",
                "integer",
                "Hvor stor stillingsprosent har du?",
                "What is your position percentage?",
                min_value=1,
                max_value=100,
                unit="percent",
            ),
            q(
                "contract_type",
                "single",
                "Er du fast eller midlertidig ansatt?",
                "Is your contract permanent or temporary?",
                profile="contract_type",
                choices=[
                    ("permanent", "Fast", "Permanent"),
                    ("temporary", "Midlertidig", "Temporary"),
                ],
            ),
            q(
                "years_as_peer",
                "integer",
                "Hvor mange år har du jobbet som erfaringskonsulent?",
                "How many years have you worked as a peer support worker?",
                min_value=0,
                max_value=50,
                unit="years",
            ),
            q(
                "peer_colleagues",
                "yes_no",
                "Har du andre erfaringskonsulenter på arbeidsplassen?",
                "Are there other peer support workers where you work?",
                since=2021,
                choices=YES_NO,
            ),
        ],
    },
    {
        "title_nb": "Rollen din",
        "title_en": "Your role",
        "questions": [
            q(
                "has_job_description",
                "yes_no",
                "Har du en skriftlig stillingsbeskrivelse?",
                "Do you have a written job description?",
                required=True,
                choices=YES_NO,
            ),
            q(
                "job_description_fits",
                "single",
                "Stemmer stillingsbeskrivelsen med det du faktisk gjør?",
                "Does the job description match what you actually do?",
                show_if=("has_job_description", ["yes"]),
                choices=[
                    ("fully", "Helt", "Fully"),
                    ("partly", "Delvis", "Partly"),
                    ("not", "Ikke", "Not at all"),
                ],
            ),
            q(
                "role_involvement",
                "yes_no",
                "Var du med på å utvikle rollen din?",
                "Were you involved in developing your role?",
                choices=YES_NO,
            ),
            q(
                "tasks",
                "multi",
                "Hva bruker du mest tid på?",
                "What do you spend most time on?",
                choices=[
                    ("individual", "Samtaler med brukere", "Conversations with service users"),
                    ("groups", "Grupper og kurs", "Groups and courses"),
                    ("system", "Systemarbeid og utvikling", "Service development"),
                    ("teaching", "Undervisning", "Teaching"),
                    ("practical", "Praktisk bistand", "Practical help"),
                ],
            ),
            q(
                "role_clarity",
                "likert",
                "Hvor enig er du i disse utsagnene om rollen din?",
                "How much do you agree with these statements about your role?",
                choices=AGREE,
                items=[
                    ("clear_role", "Rollen min er tydelig for meg", "My role is clear to me"),
                    (
                        "clear_to_colleagues",
                        "Kollegene mine forstår hva jeg gjør",
                        "My colleagues understand what I do",
                    ),
                    (
                        "experience_used",
                        "Erfaringskompetansen min blir brukt",
                        "My experiential expertise is put to use",
                    ),
                ],
            ),
        ],
    },
    {
        "title_nb": "Arbeidsmiljø",
        "title_en": "Working environment",
        "questions": [
            q(
                "treated_as_equal",
                "likert",
                "Hvordan blir du møtt på arbeidsplassen?",
                "How are you met at work?",
                choices=AGREE,
                items=[
                    (
                        "equal",
                        "Jeg blir behandlet som likeverdig med andre fagfolk",
                        "I am treated as an equal alongside other professionals",
                    ),
                    ("heard", "Innspillene mine blir tatt på alvor", "My input is taken seriously"),
                    (
                        "meetings",
                        "Jeg er med i faglige møter",
                        "I take part in professional meetings",
                    ),
                ],
            ),
            q(
                "stigma_experienced",
                "single",
                "Har du opplevd stigma eller å bli mistrodd av kolleger på grunn av egen erfaring?",
                "Have you experienced stigma or being questioned by colleagues because of your "
                "lived experience?",
                choices=FREQUENCY,
            ),
            q(
                "stigma_description",
                "text",
                "Vil du fortelle kort hva som skjedde?",
                "Would you like to say briefly what happened?",
                show_if=("stigma_experienced", ["sometimes", "often"]),
                max_length=1000,
            ),
            q(
                "job_satisfaction",
                "likert",
                "Trivsel og mestring",
                "Satisfaction and mastery",
                choices=AGREE,
                items=[
                    ("satisfied", "Jeg trives i jobben", "I am satisfied with my job"),
                    ("mastery", "Jeg mestrer arbeidsoppgavene mine", "I master my tasks"),
                    ("stay", "Jeg ser for meg å bli i jobben", "I see myself staying in the job"),
                ],
            ),
        ],
    },
    {
        "title_nb": "Veiledning og opplæring",
        "title_en": "Supervision and training",
        "questions": [
            q(
                "gets_supervision",
                "yes_no",
                "Får du veiledning?",
                "Do you get supervision?",
                choices=YES_NO,
            ),
            q(
                "supervision_frequency",
                "single",
                "Hvor ofte får du veiledning?",
                "How often do you get supervision?",
                show_if=("gets_supervision", ["yes"]),
                choices=[
                    ("weekly", "Hver uke", "Every week"),
                    ("monthly", "Hver måned", "Every month"),
                    ("rarely", "Sjeldnere", "Less often"),
                ],
            ),
            q(
                "supervisor_lived_experience",
                "yes_no",
                "Har veilederen din selv erfaringskompetanse?",
                "Does your supervisor have experiential expertise of their own?",
                show_if=("gets_supervision", ["yes"]),
                choices=YES_NO,
            ),
            q(
                "training_programme",
                "yes_no",
                "Har du fullført et utdanningsprogram for erfaringskonsulenter?",
                "Have you completed a peer-work training programme?",
                profile="training_completed",
                choices=YES_NO,
            ),
            q(
                "onboarding",
                "yes_no",
                "Fikk du opplæring da du begynte?",
                "Did you get onboarding when you started?",
                since=2021,
                choices=YES_NO,
            ),
        ],
    },
    {
        "title_nb": "Lønn",
        "title_en": "Pay",
        "intro_nb": (
            "Lønn er frivillig å oppgi. Vi publiserer bare gjennomsnitt for grupper på minst fem."
        ),
        "intro_en": "Salary is optional. We publish averages only for groups of at least five.",
        "questions": [
            q(
                "salary_annual",
                "integer",
                "Hva er årslønnen din før skatt (omregnet til 100 %)?",
                "What is your annual salary before tax (as a full-time equivalent)?",
                min_value=150000,
                max_value=1500000,
                unit="nok",
                allow_decline=True,
                required=True,
            ),
            q(
                "pay_grade",
                "single",
                "Hvilken stillingskode er lønnen din satt etter?",
                "Which pay grade was your salary set by?",
                choices=[
                    ("assistant", "Assistent", "Assistant"),
                    ("skilled_worker", "Fagarbeider", "Skilled worker"),
                    ("consultant", "Konsulent", "Consultant"),
                    ("other", "Annet", "Other"),
                    ("unknown", "Vet ikke", "Don't know"),
                ],
            ),
            q(
                "seniority_counted",
                "yes_no",
                "Ble ansiennitet tatt med i lønnen?",
                "Was your seniority counted in your pay?",
                choices=YES_NO,
            ),
            q(
                "salary_fair",
                "single",
                "Opplever du at lønnen står i forhold til arbeidet?",
                "Do you think your pay fits the work you do?",
                since=2022,
                choices=[
                    ("yes", "Ja", "Yes"),
                    ("partly", "Delvis", "Partly"),
                    ("no", "Nei", "No"),
                ],
            ),
        ],
    },
    {
        "title_nb": "Fagforening og brukerrepresentasjon",
        "title_en": "Union and user representation",
        "questions": [
            q(
                "union_member",
                "yes_no",
                "Er du medlem av en fagforening?",
                "Are you a union member?",
                profile="union_member",
                choices=YES_NO,
            ),
            q(
                "union_understands",
                "single",
                "Forstår fagforeningen hva erfaringskonsulenter gjør?",
                "Does your union understand peer work?",
                show_if=("union_member", ["yes"]),
                choices=[
                    ("yes", "Ja", "Yes"),
                    ("partly", "Delvis", "Partly"),
                    ("no", "Nei", "No"),
                ],
            ),
            q(
                "user_representative",
                "yes_no",
                "Er du også brukerrepresentant ved siden av jobben?",
                "Do you also serve as a user representative beside your job?",
                profile="user_representative",
                choices=YES_NO,
            ),
            q(
                "representation_hours",
                "decimal",
                "Omtrent hvor mange timer i måneden bruker du på brukerrepresentasjon?",
                "About how many hours a month do you spend on user representation?",
                show_if=("user_representative", ["yes"]),
                min_value=0,
                max_value=200,
                unit="hours",
            ),
        ],
    },
    {
        "title_nb": "Til slutt",
        "title_en": "Finally",
        "questions": [
            q(
                "recommend_job",
                "likert",
                "Framtid",
                "The future",
                choices=AGREE,
                items=[
                    (
                        "recommend",
                        "Jeg vil anbefale jobben til andre med egen erfaring",
                        "I would recommend the job to others with lived experience",
                    ),
                    (
                        "future",
                        "Jeg tror rollen vil bli viktigere",
                        "I think the role will matter more",
                    ),
                ],
            ),
            q(
                "support_needed",
                "multi",
                "Hva ville gjort jobben din bedre?",
                "What would make your job better?",
                since=2021,
                choices=[
                    (
                        "job_description",
                        "Tydeligere stillingsbeskrivelse",
                        "A clearer job description",
                    ),
                    ("supervision", "Mer veiledning", "More supervision"),
                    ("pay", "Bedre lønn", "Better pay"),
                    ("network", "Nettverk med andre", "A network of peers"),
                    ("permanent", "Fast stilling", "A permanent contract"),
                ],
            ),
            q(
                "comments",
                "text",
                "Har du andre kommentarer?",
                "Any other comments?",
                max_length=2000,
            ),
        ],
    },
]


def question_count(year):
    return sum(1 for s in SECTIONS for spec in s["questions"] if spec.get("since", 0) <= year)


@transaction.atomic
def build_edition(*, year, **edition_fields):
    """Create the edition of `year` with the questions asked that year."""
    edition = Edition.objects.create(year=year, **edition_fields)
    for section_order, section_spec in enumerate(SECTIONS, start=1):
        section = Section.objects.create(
            edition=edition,
            order=section_order,
            title_nb=section_spec["title_nb"],
            title_en=section_spec["title_en"],
            intro_nb=section_spec.get("intro_nb", ""),
            intro_en=section_spec.get("intro_en", ""),
        )
        order = 0
        for spec in section_spec["questions"]:
            if spec.get("since", 0) > year:
                continue
            order += 1
            show_if_key, show_if_codes = spec.get("show_if", ("", []))
            question = Question.objects.create(
                edition=edition,
                section=section,
                order=order,
                key=spec["key"],
                type=spec["type"],
                text_nb=spec["text_nb"],
                text_en=spec["text_en"],
                required=spec.get("required", False),
                min_value=spec.get("min_value"),
                max_value=spec.get("max_value"),
                unit=spec.get("unit", ""),
                allow_decline=spec.get("allow_decline", False),
                max_length=spec.get("max_length"),
                show_if_key=show_if_key,
                show_if_codes=show_if_codes,
                profile_field=spec.get("profile", ""),
            )
            Choice.objects.bulk_create(
                Choice(question=question, order=i, code=code, label_nb=nb, label_en=en)
                for i, (code, nb, en) in enumerate(spec.get("choices", []), start=1)
            )
            LikertItem.objects.bulk_create(
                LikertItem(question=question, order=i, code=code, text_nb=nb, text_en=en)
                for i, (code, nb, en) in enumerate(spec.get("items", []), start=1)
            )
    return edition

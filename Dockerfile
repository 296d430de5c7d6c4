# One image for web (gunicorn), worker, beat and the migrate job; see docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_DEBUG=0 \
    DJANGO_STATIC_ROOT=/app/staticfiles

RUN groupadd --system --gid 10001 erfaring \
    && useradd --system --uid 10001 --gid erfaring --home-dir /app --no-create-home erfaring

# WeasyPrint (the survey report as PDF) needs Pango, HarfBuzz's subsetter and a font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Exactly the locked versions, each checked against its hash (make lock writes the file);
# then the portal itself, which adds no dependency of its own.
COPY requirements/base.txt requirements/base.txt
RUN pip install --require-hashes -r requirements/base.txt
COPY . .
RUN pip install --no-deps --no-build-isolation .

# Static files are collected into the image. Production settings refuse to load without
# their secrets, so this step gets throw-away values that never leave the build.
RUN DJANGO_SECRET_KEY=collectstatic-only DJANGO_ALLOWED_HOSTS=build.invalid \
    FIELD_ENCRYPTION_KEYS=collectstatic-only MFA_ENCRYPTION_KEYS=collectstatic-only \
    SURVEY_RESPONSE_KEY=collectstatic-only SURVEY_BALLOT_KEYS=collectstatic-only CASEWORK_ATTACHMENT_KEYS=collectstatic-only \
    EMAIL_URL=smtp://build.invalid:25 \
    python manage.py collectstatic --no-input \
    && rm -rf var && mkdir -p var/media && chown -R erfaring:erfaring var

USER erfaring
EXPOSE 8000
# The access log leaves out the client address and user agent (gunicorn's default has both):
# an anonymous inquiry promises that nothing about the visitor is kept, logs included.
CMD ["gunicorn", "erfaring.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--access-logfile", "-", "--access-logformat", "%(t)s \"%(m)s %(U)s\" %(s)s %(B)s %(M)sms"]

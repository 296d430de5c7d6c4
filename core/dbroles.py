"""The least-privileged database role the portal runs as in production (SECURITY.md D10, E2).

Migrations run as the owner of the tables; web, worker and beat connect as the app role,
which may read and write the portal's tables except the audit log, where it may only add and
read rows (and call the two erasure functions of core/migrations/0005). Run after every
`migrate`: `python manage.py grant_app_role` (docker-compose.yml's migrate job does), so
tables of new migrations are granted too.
"""

from django.db import connection
from psycopg import sql

# Tables the app may only INSERT into and SELECT from.
APPEND_ONLY_TABLES = ("core_auditevent",)
ERASURE_FUNCTIONS = (
    "core_auditevent_unlink_deleted_user(bigint)",
    "core_auditevent_forget_subject(text, text, bigint)",
)


def grant_app_role(*, role, password=None):
    """Create `role` if missing (LOGIN with `password`; without one it must exist) and give
    it exactly the rights the app needs in this database. Idempotent. PostgreSQL only."""
    if connection.vendor != "postgresql":
        raise RuntimeError("The app role exists on PostgreSQL only.")
    name = sql.Identifier(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        exists = cursor.fetchone() is not None
        if not exists and not password:
            raise RuntimeError(f"Role {role} does not exist; give DATABASE_APP_PASSWORD.")
        if not exists:
            cursor.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(name, sql.Literal(password))
            )
        elif password:
            cursor.execute(
                sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(name, sql.Literal(password))
            )
        cursor.execute("SELECT current_database(), current_schema()")
        database, schema = cursor.fetchone()
        database, schema = sql.Identifier(database), sql.Identifier(schema)
        for statement in (
            "GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {role}",
            "GRANT USAGE ON SCHEMA {schema} TO {role}",
            "REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
            # The app never changes its own schema history.
            "REVOKE INSERT, UPDATE, DELETE ON django_migrations FROM {role}",
        ):
            cursor.execute(sql.SQL(statement).format(database=database, schema=schema, role=name))
        for table in APPEND_ONLY_TABLES:
            cursor.execute(
                sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(
                    sql.Identifier(table), name
                )
            )
        for function in ERASURE_FUNCTIONS:
            # A signature, not a value: from the constant above, never from input.
            cursor.execute(
                sql.SQL("GRANT EXECUTE ON FUNCTION {} TO {}").format(sql.SQL(function), name)
            )
